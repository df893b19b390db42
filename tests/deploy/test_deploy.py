"""What an operator deploys: the compose file, the image's recipe, its entry
script (run here directly: the machine may have no container runtime) and the
systemd unit."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "deploy" / "entrypoint.sh"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))
    return loaded


def test_compose_runs_the_hub_on_a_real_postgresql_with_prometheus() -> None:
    services = _compose()["services"]
    assert set(services) == {"db", "migrate", "hub", "prometheus"}
    assert re.fullmatch(r"postgres:1[78](\.\d+)?", services["db"]["image"])
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    # Migrations first, once the database answers; then the hub.
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["hub"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("migrate", "hub"):
        url = services[name]["environment"]["DATABASE_URL"]
        assert url.startswith("postgresql://hub:") and url.endswith("@db:5432/hub")
        assert services[name]["image"] == "liaoning-hub:latest"
    assert services["migrate"]["build"] == "."
    # Every file compose mounts ships, except the operator's own hub.toml (its example does).
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                path = ROOT / source
                assert path.exists() or path.with_name("hub.example.toml").exists(), source
    prometheus = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text("utf-8"))
    (job,) = prometheus["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"][0]["targets"] == ["hub:8000"]


def test_compose_file_is_valid_for_docker_compose() -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True,
                                        check=False, timeout=30).returncode != 0:
        pytest.skip("no `docker compose` on this machine: the file is checked by the test above")
    done = subprocess.run([docker, "compose", "-f", str(ROOT / "compose.yaml"), "config", "-q"],
                          capture_output=True, text=True, check=False, timeout=60,
                          env={**os.environ, "HUB_DB_PASSWORD": "x"})
    assert done.returncode == 0, done.stderr


def test_the_image_is_slim_non_root_and_checks_its_health() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text("utf-8").splitlines()]
    bases = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert bases and all(base.endswith("-slim") for base in bases)
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any(line.startswith("HEALTHCHECK ") and "/healthz" in " ".join(lines) for line in lines)
    assert 'ENTRYPOINT ["hub-entrypoint"]' in lines
    assert "COPY deploy/entrypoint.sh /usr/local/bin/hub-entrypoint" in lines
    for line in lines:
        if line.startswith("COPY ") and "--from" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source


def test_the_systemd_unit_serves_with_the_hub_user_and_stops_on_sigterm() -> None:
    unit = (ROOT / "deploy" / "liaoning-hub.service").read_text("utf-8")
    assert "User=hub" in unit and "KillSignal=SIGTERM" in unit
    assert re.search(r"^ExecStart=\S+/hub serve ", unit, flags=re.M)
    assert "EnvironmentFile=/etc/hub/env" in unit


def _entry(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(ENTRY), *args], capture_output=True, text=True, timeout=timeout,
                          env=env, check=False)


def _env(**extra: str) -> dict[str, str]:
    # The image puts the installed `hub` on PATH; here the test's environment does.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HUB_CONFIG")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **extra}


def test_the_entry_point_refuses_to_start_without_a_database() -> None:
    done = _entry("serve", env=_env())
    assert done.returncode == 2
    assert "set DATABASE_URL" in done.stderr


async def test_the_entry_point_migrates_then_serves_and_stops_on_sigterm(scratch_url: str, tmp_path: Path) -> None:
    migrated = _entry("migrate", env=_env(DATABASE_URL=scratch_url))
    assert migrated.returncode == 0, migrated.stderr
    assert "database at schema version" in migrated.stdout
    again = _entry("migrate", env=_env(DATABASE_URL=scratch_url))
    assert "(nothing to do)" in again.stdout
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(["sh", str(ENTRY)], stdout=log, stderr=subprocess.STDOUT, env=_env(
        DATABASE_URL=scratch_url, HUB_HOST="127.0.0.1", HUB_PORT=str(port), HUB_WORKERS="1"))
    try:
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert ready is not None and ready.status_code == 200, (tmp_path / "serve.log").read_text()
        server.send_signal(signal.SIGTERM)  # the shell exec'd the hub: the signal reaches it
        assert server.wait(timeout=30) == 143
    finally:
        if server.poll() is None:
            server.kill()
        log.close()
