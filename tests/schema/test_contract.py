"""The served schema is a compatible superset of the shared contract."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema, find_breaking_changes

from schema.schema import schema

ROOT = Path(__file__).resolve().parents[2]
PROJECT_COPY = ROOT / "schema" / "contract.graphql"
SHARED = ROOT.parent / "shared" / "contract" / "schema.graphql"


def test_served_schema_breaks_nothing_in_the_contract() -> None:
    contract = build_schema(PROJECT_COPY.read_text(encoding="utf-8"))
    # The live graphql-core schema: its printed SDL carries federation's @key
    # and @link, which a plain SDL parser does not know.
    assert find_breaking_changes(contract, schema._schema) == []


def test_project_copy_matches_the_shared_contract() -> None:
    if not SHARED.exists():  # a clone without shared/ beside it
        return
    assert PROJECT_COPY.read_text(encoding="utf-8") == SHARED.read_text(encoding="utf-8")
