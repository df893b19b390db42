"""The platform formats ship with the hub (docs/platforms/), identical to the
shared originals, and their signing examples sign as the hub checks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

import adapters
from hub.app import create_app
from hub.config import parse_config

ROOT = Path(__file__).resolve().parents[2]
OURS = ROOT / "docs" / "platforms"
SHARED = ROOT.parent / "shared" / "platforms"
SIGNING = OURS / "signing.md"
EXAMPLE = ROOT / "tests" / "adapters" / "shengjing" / "fixtures" / "example.json"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", SIGNING.read_text("utf-8"), flags=re.S)


def test_the_platform_formats_are_the_shared_ones() -> None:
    if not SHARED.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED} is missing: CI lays shared/ beside the clone")
        pytest.skip("no shared/ beside this clone")
    shared = {p.name: p.read_bytes() for p in SHARED.glob("*.md")}
    ours = {p.name: p.read_bytes() for p in OURS.glob("*.md") if p.name != SIGNING.name}
    assert set(ours) == set(shared), "copy the platforms' files: cp ../shared/platforms/*.md docs/platforms/"
    changed = [name for name in shared if ours[name] != shared[name]]
    assert changed == [], f"docs/platforms/ differs from ../shared/platforms/ in {changed}"


def test_every_source_has_a_signing_example_in_curl_and_python() -> None:
    shell = "\n".join(_blocks("sh"))
    python = "\n".join(_blocks("python"))
    for code in (*adapters.REGISTRY, "panjin"):
        assert f"/ingest/{code}" in shell, code
        assert f'push(HUB, "{code}"' in python, code


def _signature_function() -> Any:
    namespace: dict[str, Any] = {}
    exec(_blocks("python")[0], namespace)  # the page's own helper, as a reader copies it
    return namespace["signature"]


async def test_the_pages_signature_is_what_the_hub_checks(clean_db: asyncpg.Pool) -> None:
    signature = _signature_function()
    body = EXAMPLE.read_bytes()
    config = parse_config({"sources": {"shengjing": {"token": "tok", "secret": "s3cret"}}})
    app = create_app(config=config, pool=clean_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
        good = await client.post("/ingest/shengjing", content=body, headers={
            "Authorization": "Bearer tok", "X-Hub-Signature-256": signature("s3cret", body)})
        wrong = await client.post("/ingest/shengjing", content=body, headers={
            "Authorization": "Bearer tok", "X-Hub-Signature-256": signature("other", body)})
    assert good.status_code == 200 and good.json()["received"] > 0
    assert wrong.status_code == 401


def test_the_shell_pipeline_signs_the_same(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("openssl is missing")
        pytest.skip("no openssl here")
    script = tmp_path / "sign.sh"
    script.write_text(_blocks("sh")[0], encoding="utf-8")
    done = subprocess.run(["bash", str(script), str(EXAMPLE), "s3cret"], capture_output=True,
                          text=True, check=True, timeout=30)
    assert done.stdout.strip() == _signature_function()("s3cret", EXAMPLE.read_bytes())
