"""The configuration is read and checked once, by one validator, and its
documentation is generated from the same declarations."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import pytest

from hub import cli
from hub.config import ENVIRONMENT, Config, documented_reference, load_config, parse_config, reference
from hub.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
_SHA = "d" * 64


def _leaf_tables() -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every table a file can hold, as its path and a valid body with one setting."""
    found: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    def walk(kind: Any, path: tuple[str, ...]) -> None:
        hints = get_type_hints(kind)
        own: dict[str, Any] = {}
        for f in fields(kind):
            hint = hints[f.name]
            if f.name in ("path", "tables", "code", "name"):
                continue
            if is_dataclass(hint):
                walk(hint, (*path, f.name))
            elif get_origin(hint) is dict:
                name = "shengjing" if f.name == "sources" else "ops"
                walk(get_args(hint)[1], (*path, f.name, name))
            else:
                own[f.name] = f.default
        if own:
            body = {"role": "viewer", "sha256": _SHA} if path[0] == "keys" else {}
            found.append((path, body))

    walk(Config, ())
    return found


def _nest(path: tuple[str, ...], body: dict[str, Any]) -> dict[str, Any]:
    for part in reversed(path):
        body = {part: body}
    return body


TABLES = _leaf_tables()


def test_every_table_is_covered() -> None:
    names = {".".join(p) for p, _ in TABLES}
    assert {"graphql", "ingest", "tracing", "statistics", "health", "sync", "security.limits",
            "sources.shengjing", "keys.ops"} <= names
    assert len(TABLES) >= 17  # and every table added later


@pytest.mark.parametrize(("path", "body"), TABLES, ids=[".".join(p) for p, _ in TABLES])
def test_a_typo_in_any_table_is_refused_naming_the_key(path: tuple[str, ...], body: dict[str, Any]) -> None:
    parse_config(_nest(path, body))  # the table itself is fine
    with pytest.raises(ConfigError) as caught:
        parse_config(_nest(path, {**body, "max_sizes": 3}))
    assert str(caught.value).startswith(f"[{'.'.join(path)}] has no setting 'max_sizes'")


def test_a_near_miss_names_the_key_that_was_meant() -> None:
    with pytest.raises(ConfigError, match=r"^\[graphql\] has no setting 'max_body_byte' "
                                          r"\(did you mean 'max_body_bytes'\?\); known: apq_max_entries"):
        parse_config({"graphql": {"max_body_byte": 5}})
    with pytest.raises(ConfigError, match=r"^the configuration has no table 'tracng' \(did you mean 'tracing'\?\)"):
        parse_config({"tracng": {"enabled": True}})
    with pytest.raises(ConfigError, match=r"^\[sources\] has no table 'shengjng' \(did you mean 'shengjing'\?\)"):
        parse_config({"sources": {"shengjng": {"token": "t"}}})
    with pytest.raises(ConfigError, match=r"set it as \[graphql\] max_body_bytes"):
        parse_config({"security": {"limits": {"max_body_bytes": 5}}})


@pytest.mark.parametrize(("raw", "message"), [
    ({"ingest": {"max_body_bytes": "10MB"}},
     "[ingest] max_body_bytes must be a whole number >= 1, found '10MB' (a string)"),
    ({"ingest": {"max_body_bytes": 0}},
     "[ingest] max_body_bytes must be a whole number >= 1, found 0 (a whole number)"),
    ({"graphql": {"deadline_seconds": True}},
     "[graphql] deadline_seconds must be a number >= 0, found true (a boolean)"),
    ({"graphql": {"get_max_age": 1.5}}, "[graphql] get_max_age must be a whole number >= 0, found 1.5 (a number)"),
    ({"health": {"stale_after_hours": 0}}, "[health] stale_after_hours must be a number > 0, found 0 (a whole number)"),
    ({"tracing": {"service_name": 7}}, "[tracing] service_name must be a string, found 7 (a whole number)"),
    ({"statistics": []}, "[statistics] must be a table, found a list"),
    ({"security": {"introspection": "province"}},
     "[security] introspection must be a list of strings among province, city, viewer, public, "
     "found 'province' (a string)"),
    ({"security": {"trusted_documents_roles": ["viewr"]}},
     "[security] trusted_documents_roles must be one of province, city, viewer, public, "
     "found 'viewr' (a string) (did you mean 'viewer'?)"),
    ({"keys": {"ops": {"role": "province"}}}, "[keys.ops] needs sha256 (a string)"),
    # A secret of the wrong type is not quoted back (the message goes to logs and terminals).
    ({"sources": {"shengjing": {"secret": 20261206}}},
     "[sources.shengjing] secret must be a string, found a whole number"),
    ({"keys": {"ops": {"role": "public", "sha256": _SHA}}},
     "[keys.ops] role must be one of province, city, viewer, found 'public' (a string)"),
    ({"sources": {"fengxiang": {"base_url": "fx.example.cn"}}},
     "[sources.fengxiang] base_url: 'fx.example.cn' (a string) is not an http(s) URL"),
])
def test_a_wrong_value_names_the_key_what_it_must_be_and_what_was_found(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert str(caught.value) == message


def test_values_keep_their_meaning() -> None:
    config = parse_config({
        "graphql": {"deadline_seconds": 3}, "escalation": {"county_days": 14},
        "security": {"introspection": ["province"], "rate_limit": {"ip_burst": 5}},
        "sources": {"panjin": {"token": "t", "secret": "s"}},
        "keys": {"ops": {"role": "city", "region": "210100", "sha256": _SHA}},
    })
    assert config.graphql.deadline_seconds == 3.0 and isinstance(config.graphql.deadline_seconds, float)
    assert config.escalation.county_days == 14.0 and config.escalation.city_days is None
    assert config.security.introspection == ("province",)
    assert config.security.rate_limit.ip_burst == 5.0 and config.security.rate_limit.enabled is True
    assert config.sources["panjin"].code == "panjin" and config.sources["panjin"].secret == "s"
    assert config.keys["ops"].name == "ops" and config.keys["ops"].region == "210100"
    assert parse_config({}) == Config()


def test_the_file_names_itself_in_the_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "hub.toml"
    path.write_text("[server]\nkeepalive = 10\n", encoding="utf-8")
    monkeypatch.setenv("HUB_CONFIG", str(path))
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value).startswith("[server] has no setting 'keepalive' (did you mean 'keepalive_requests'?)")
    assert str(caught.value).endswith(f" (in {path})")


@pytest.mark.parametrize(("path", "body"), TABLES, ids=[".".join(p) for p, _ in TABLES])
def test_hub_serve_refuses_a_typo_in_any_table_before_starting(
    path: tuple[str, ...], body: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = tmp_path / "hub.toml"
    lines = [f"[{'.'.join(path)}]", *(f'{k} = "{v}"' for k, v in body.items()), "max_sizes = 3", ""]
    file.write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setenv("HUB_CONFIG", str(file))
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")  # never reached
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"hub: [{'.'.join(path)}] has no setting 'max_sizes'")


def test_hub_demo_and_hub_sync_refuse_a_bad_file_before_any_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    file = tmp_path / "hub.toml"
    file.write_text("[health]\nstale_after_hours = \"a day\"\n", encoding="utf-8")
    monkeypatch.setenv("HUB_CONFIG", str(file))
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "data"))
    for argv in (["demo"], ["sync", "--all"], ["escalate", "--dry-run"]):
        assert cli.main(argv) == 2, argv
        assert capsys.readouterr().err == (
            f"hub: [health] stale_after_hours must be a number > 0, found 'a day' (a string) (in {file})\n")
    assert not (tmp_path / "data" / "demo" / "pg").exists()


def test_a_rule_across_settings_also_stops_hub_serve_before_any_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    file = tmp_path / "hub.toml"
    file.write_text('[keys.ops]\nrole = "city"\nsha256 = "' + _SHA + '"\n', encoding="utf-8")
    monkeypatch.setenv("HUB_CONFIG", str(file))
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")  # never reached
    assert cli.main(["serve"]) == 2
    assert capsys.readouterr().err == f"hub: [keys.ops] in {file}: a city key needs a region (e.g. 210100)\n"


# ---------------------------------------------------------------- the documentation


def test_the_list_of_settings_in_the_docs_is_generated_from_the_declarations() -> None:
    text = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    assert documented_reference(text) == reference(), "run: python -m hub.config --write-docs"


def _docs() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_every_toml_example_in_the_docs_is_a_valid_configuration() -> None:
    checked = 0
    for doc in _docs():
        for block in re.findall(r"```toml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S):
            try:
                parse_config(tomllib.loads(block))
            except ConfigError as exc:
                raise AssertionError(f"{doc.relative_to(ROOT)}: {exc}\n{block}") from None
            checked += 1
    assert checked >= 8


def _declared(table: str) -> set[str]:
    """The settings ``hub.config`` declares for ``[table]`` (``sources.X``: any name)."""
    kind: Any = Config
    parts = table.split(".")
    while parts:
        hint = get_type_hints(kind).get(parts.pop(0))
        if hint is None or not (is_dataclass(hint) or get_origin(hint) is dict):
            return set()
        if get_origin(hint) is dict:
            hint = get_args(hint)[1]
            parts = parts[1:]
        kind = hint
    return {f.name for f in fields(kind)}


def test_every_setting_the_docs_and_code_name_exists() -> None:
    named = 0
    files = [*_docs(), *(ROOT / "hub").rglob("*.py"), *(ROOT / "adapters").rglob("*.py")]
    for file in files:
        for table, key in re.findall(r"`\[([a-z_.A-Z*]+)\] ([a-z_]+)`", file.read_text(encoding="utf-8")):
            assert key in _declared(table), \
                f"{file.relative_to(ROOT)} names `[{table}] {key}`, which hub.config does not declare"
            named += 1
    assert named >= 20


def test_every_environment_variable_the_hub_reads_is_declared() -> None:
    declared = {v.name for v in ENVIRONMENT}
    read: set[str] = set()
    for file in (ROOT / "hub").rglob("*.py"):
        text = file.read_text(encoding="utf-8")
        read |= set(re.findall(r"os\.environ(?:\.get\(|\[)\"([A-Z_]+)\"", text))
        read |= set(re.findall(r"os\.getenv\(\"([A-Z_]+)\"", text))
    assert read, "found no environment variable at all: the pattern is stale"
    assert read <= declared, read - declared
