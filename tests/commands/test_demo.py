"""``hub demo`` as a newcomer meets it: a subprocess on its own embedded database,
the user's configuration honoured, a browser front-end on localhost allowed,
and SIGTERM or SIGINT stopping the embedded PostgreSQL with it."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

_READY_SECONDS = 120


def _demo_dir() -> Path:
    base = Path(os.environ.get("HUB_TEST_DATA_DIR") or Path(tempfile.gettempdir()) / "hub-test-data")
    return base / "demo-command"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Demo:
    process: subprocess.Popen[str]
    url: str
    banner: str
    log: Path


def _postgres_of(data_dir: Path) -> list[psutil.Process]:
    pgdata = str((data_dir / "demo" / "pg").resolve())
    found = []
    for p in psutil.process_iter(["name", "cmdline"]):
        cmd = p.info["cmdline"] or []
        if p.info["name"] == "postgres" and pgdata in cmd:
            found.append(p)
    return found


def _start(data_dir: Path, config: Path) -> Demo:
    port = _free_port()
    log = data_dir / f"demo-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HUB_DATA_DIR": str(data_dir), "HUB_CONFIG": str(config)}
    env.pop("DATABASE_URL", None)
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "demo", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, text=True, env=env,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + _READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"hub demo ended early:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                text = log.read_text()
                return Demo(process, url, text[: text.index("Operator key")], log)
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    pytest.fail(f"hub demo not ready in {_READY_SECONDS}s:\n{log.read_text()}")


def _stop(demo: Demo, data_dir: Path, sig: signal.Signals) -> None:
    demo.process.send_signal(sig)
    try:
        demo.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        demo.process.kill()
        pytest.fail(f"hub demo did not end on {sig.name}")
    deadline = time.monotonic() + 10
    while _postgres_of(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)


@pytest.fixture(scope="module")
def user_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("user") / "my-hub.toml"
    path.write_text(
        '[sources.shengjing]\ntoken = "my-own-token"\nsecret = "my-own-secret"\n\n'
        '[security]\ncors_origins = ["https://wish.example.cn"]\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def demo(user_config: Path) -> Iterator[Demo]:
    data_dir = _demo_dir()
    shutil.rmtree(data_dir, ignore_errors=True)  # a first start, as a newcomer's
    running = _start(data_dir, user_config)
    yield running
    if running.process.poll() is None:
        _stop(running, data_dir, signal.SIGTERM)


def _gql(demo: Demo, query: str, **headers: str) -> httpx.Response:
    return httpx.post(f"{demo.url}/graphql", json={"query": query}, headers=headers, timeout=30)


def _total(demo: Demo) -> int:
    answer = _gql(demo, "{ wishes(first: 0) { totalCount } }").json()
    return int(answer["data"]["wishes"]["totalCount"])


def test_banner_names_the_sources_and_where_their_credentials_came_from(demo: Demo, user_config: Path) -> None:
    assert f"shengjing  盛京使者: token and secret from {user_config}" in demo.banner
    assert re.search(r"huludao +葫芦岛微心愿: token and secret made up by the demo", demo.banner)
    assert f"with yours from {user_config} over them" in demo.banner
    assert "http://localhost:*" in demo.banner and "https://wish.example.cn" in demo.banner


def test_banner_figure_equals_the_api(demo: Demo) -> None:
    figure = re.search(r"hub demo: (\d+) wishes ready", demo.banner)
    assert figure is not None
    assert int(figure.group(1)) == _total(demo)


def test_the_printed_curl_is_signed_with_the_users_credentials(demo: Demo) -> None:
    curl = demo.banner[demo.banner.index("curl "):]
    token = re.search(r"Bearer ([^']+)'", curl)
    signature = re.search(r"X-Hub-Signature-256: (sha256=[0-9a-f]+)'", curl)
    body = re.search(r"--data-binary '(.+)'", curl)
    assert token and signature and body
    assert token.group(1) == "my-own-token"
    answer = httpx.post(
        f"{demo.url}/ingest/shengjing", content=body.group(1).encode(), timeout=30,
        headers={"Authorization": f"Bearer {token.group(1)}", "X-Hub-Signature-256": signature.group(1),
                 "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["rejected"] == 0 and report["accepted"] + report["duplicates"] == 1


def test_a_push_signed_with_the_users_secret_lands(demo: Demo) -> None:
    before = _total(demo)
    wish_id = f"TEST-{uuid.uuid4().hex[:10]}"
    body = json.dumps({
        "platform": "shengjing", "pushTime": "2026-06-01 09:30:00",
        "records": [{
            "recordType": "XY", "xyId": wish_id, "xyTitle": "想要一个书包", "xyContent": "",
            "xyType": "学习用品", "xyKind": "1", "objType": "留守儿童", "objName": "张三",
            "areaName": "铁西区", "streetName": "", "communityName": "", "stationName": "",
            "status": "1", "createTime": "2026-06-01 09:00:00", "claimTime": "", "finishTime": "",
            "claimers": [], "updateTime": "2026-06-01 09:00:00", "delFlag": 0,
        }],
    }, ensure_ascii=False).encode()
    signature = hmac.new(b"my-own-secret", body, hashlib.sha256).hexdigest()
    answer = httpx.post(
        f"{demo.url}/ingest/shengjing", content=body, timeout=30,
        headers={"Authorization": "Bearer my-own-token", "X-Hub-Signature-256": f"sha256={signature}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1
    assert _total(demo) == before + 1


def test_a_front_end_on_localhost_may_call_the_demo(demo: Demo) -> None:
    origin = "http://localhost:5173"
    preflight = httpx.options(
        f"{demo.url}/graphql", timeout=10,
        headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    answer = _gql(demo, "{ wishes(first: 1) { totalCount } }", Origin=origin)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == origin
    stranger = _gql(demo, "{ wishes(first: 1) { totalCount } }", Origin="http://evil.example")
    assert "access-control-allow-origin" not in stranger.headers


def test_the_front_end_guide_shows_what_the_demo_answers(demo: Demo) -> None:
    """docs/frontend.md's ids name the same wishes in a newcomer's demo."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "frontend.md").read_text("utf-8")
    section = page[page.index("## 2a."):page.index("## 2b.")]
    document = re.search(r"```graphql\n(.*?)```", section, flags=re.S)
    variables = re.search(r"Variables:\n\n```json\n(.*?)```", section, flags=re.S)
    answer = re.search(r"Answer:\n\n```json\n(.*?)```", section, flags=re.S)
    assert document and variables and answer
    got = httpx.post(f"{demo.url}/graphql", timeout=30, json={
        "query": document.group(1), "variables": json.loads(variables.group(1))}).json()
    assert got == json.loads(answer.group(1))


def test_no_place_of_the_demo_is_named_by_a_number(demo: Demo) -> None:
    after = None
    seen = 0
    while True:
        answer = httpx.post(f"{demo.url}/graphql", timeout=30, json={
            "query": "query($after: String) { wishes(first: 100, after: $after) {"
                     " pageInfo { hasNextPage endCursor } edges { node { region { code name } } } } }",
            "variables": {"after": after}}).json()["data"]["wishes"]
        for edge in answer["edges"]:
            region = edge["node"]["region"]
            assert not region["name"].isdigit(), f"{region['code']} is shown as {region['name']}"
            seen += 1
        if not answer["pageInfo"]["hasNextPage"]:
            break
        after = answer["pageInfo"]["endCursor"]
    assert seen > 400
    metrics = httpx.get(f"{demo.url}/metrics", timeout=10).text
    assert "hub_places_named_by_code 0.0" in metrics


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_demo_and_its_postgres(demo: Demo, user_config: Path, sig: signal.Signals) -> None:
    data_dir = _demo_dir()
    # The module's demo first, then a fresh one.
    running = demo if demo.process.poll() is None else _start(data_dir, user_config)
    assert _postgres_of(data_dir), "the demo's PostgreSQL should run while it serves"
    if running is not demo:  # a restart on data the first run changed: the banner still counts as the API
        figure = re.search(r"hub demo: (\d+) wishes ready", running.banner)
        assert figure is not None and int(figure.group(1)) == _total(running)
    _stop(running, data_dir, sig)
    assert running.process.returncode in ((143,) if sig is signal.SIGTERM else (0, 130))
    assert _postgres_of(data_dir) == [], f"PostgreSQL left running after {sig.name}"



def test_the_demos_configuration_round_trips_what_a_user_writes() -> None:
    import datetime as dt
    import tomllib

    from hub.security.demo import to_toml

    table = {
        "public": {"enabled": True},
        "security": {"cors_origins": ["http://a.example"], "rate_limit": {"ip_burst": 30, "ip_per_second": 5.5}},
        "sources": {"shengjing": {"token": 'to"k\\en', "secret": "秘密\n"}},
        "keys": {"ops-team": {"role": "city", "region": "210100", "created": dt.date(2026, 1, 2)}},
        "weird key": {"值": [1, 2]},
        "jobs": [{"name": "a"}, {"name": "b"}],
    }
    assert tomllib.loads(to_toml(table)) == table
