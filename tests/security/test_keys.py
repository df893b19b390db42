"""``hub keys``: tokens printed once, hashes in HUB_CONFIG, the rest of the file kept."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import asyncpg
import pytest

from hub.config import parse_config
from hub.errors import ConfigError
from hub.security.keyfile import with_key, without_key
from hub.security.keys import ApiKey, KeyRing, hash_token
from hub.security.roles import Role

ORIGINAL = """# Production hub
[sources.shengjing]
token = "tok"   # the platform's token
secret = "sec"

[public]
enabled = false
"""


def hub(*args: str, config: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_CONFIG": str(config), "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], capture_output=True,
                          text=True, timeout=120, env=env, check=False)


async def test_add_list_remove(tmp_path: Path, database_url: str, pool: asyncpg.Pool) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(ORIGINAL, encoding="utf-8")
    added = hub("keys", "add", "shenyang-office", "--role", "city", "--region", "210100",
                config=path, database_url=database_url)
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    assert token.startswith("lnhub_") and len(token) > 40
    text = path.read_text(encoding="utf-8")
    assert text.startswith(ORIGINAL)  # comments and order kept
    assert token not in text
    entry = tomllib.loads(text)["keys"]["shenyang-office"]
    assert entry["sha256"] == hash_token(token)
    assert (entry["role"], entry["region"]) == ("city", "210100")
    ring = KeyRing.from_config(parse_config(tomllib.loads(text)))
    identity = ring.identify(token)
    assert identity is not None and identity.key is not None
    assert identity.key.caller().covers("210106") and not identity.key.caller().covers("210200")

    listed = hub("keys", "list", config=path, database_url=database_url)
    assert "shenyang-office" in listed.stdout and token not in listed.stdout

    again = hub("keys", "add", "shenyang-office", "--role", "viewer", config=path,
                database_url=database_url)
    assert again.returncode == 2 and "exists" in again.stderr

    removed = hub("keys", "remove", "shenyang-office", config=path, database_url=database_url)
    assert removed.returncode == 0, removed.stderr
    assert path.read_text(encoding="utf-8").rstrip("\n") == ORIGINAL.rstrip("\n")

    rows = await pool.fetch(
        "select action, target, role, outcome from audit_log where target = 'shenyang-office' "
        "order by id")
    assert [(r["action"], r["role"], r["outcome"]) for r in rows] == [
        ("key.add", "cli", "ok"), ("key.remove", "cli", "ok")]


@pytest.mark.parametrize(("args", "message"), [
    (("--role", "city"), "a city key needs a region"),
    (("--role", "city", "--region", "999999"), "not a city or county code"),
    (("--role", "viewer", "--region", "210100"), "only a city key has a region"),
])
def test_bad_keys_are_refused_in_one_line(
    tmp_path: Path, database_url: str, args: tuple[str, ...], message: str
) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(ORIGINAL, encoding="utf-8")
    r = hub("keys", "add", "k", *args, config=path, database_url=database_url)
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert path.read_text(encoding="utf-8") == ORIGINAL


def test_an_unrecorded_change_is_not_made(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(ORIGINAL, encoding="utf-8")
    r = hub("keys", "add", "k", "--role", "viewer", config=path,
            database_url="postgresql://hub:pw@127.0.0.1:1/hub")
    assert r.returncode == 2 and "cannot connect" in r.stderr
    assert path.read_text(encoding="utf-8") == ORIGINAL


KEY = ApiKey("ops", Role.PROVINCE, "a" * 64, created="2026-01-01T00:00:00+00:00")


def test_keyfile_edits_keep_everything_else() -> None:
    path = Path("hub.toml")
    text = ORIGINAL + "\n[keys.other]\nrole = \"viewer\"\nsha256 = \"" + "b" * 64 + "\"\n\n# tail\n"
    added = with_key(text, KEY, path)
    assert added.startswith(text)
    assert tomllib.loads(added)["keys"]["ops"]["role"] == "province"
    assert without_key(added, "ops", path).rstrip("\n") == text.rstrip("\n")
    assert "[keys.ops]" not in without_key(added, "ops", path)
    removed_other = without_key(added, "other", path)
    assert set(tomllib.loads(removed_other)["keys"]) == {"ops"}
    assert "# Production hub" in removed_other and "[sources.shengjing]" in removed_other


def test_keyfile_refuses_what_it_cannot_edit_safely() -> None:
    path = Path("hub.toml")
    inline = ORIGINAL + 'keys = { ops = { role = "viewer", sha256 = "' + "c" * 64 + '" } }\n'
    with pytest.raises(ConfigError):
        without_key(inline, "ops", path)
    with pytest.raises(ConfigError, match="no key called"):
        without_key(ORIGINAL, "ops", path)
    with pytest.raises(ConfigError, match="not valid TOML"):
        with_key("[broken", KEY, path)


def test_config_with_bad_keys_fails_at_start() -> None:
    from hub.security.runtime import Security

    bad = {"keys": {"x": {"role": "admin", "sha256": "d" * 64}}}
    with pytest.raises(ConfigError, match="role must be one of"):
        Security.from_config(parse_config(bad))
    clash = {"sources": {"shengjing": {"token": "same", "secret": "s"}},
             "keys": {"x": {"role": "viewer", "sha256": hash_token("same")}}}
    with pytest.raises(ConfigError, match="share a token with a source"):
        Security.from_config(parse_config(clash))
    with pytest.raises(ConfigError, match="cors_origins"):
        Security.from_config(parse_config({"security": {"cors_origins": ["*"]}}))
    with pytest.raises(ConfigError, match="max_depth"):
        Security.from_config(parse_config({"security": {"limits": {"max_depth": 0}}}))
