"""docs/frontend.md is the hub's own answer: every example runs again, on the
demo's data, and the page it makes must be the committed page."""

from __future__ import annotations

import difflib
import importlib.machinery
import importlib.util
import uuid
from pathlib import Path
from types import ModuleType

from hub import db

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "frontend.md"


def _generator() -> ModuleType:
    path = ROOT / "scripts" / "docs-answers"
    loader = importlib.machinery.SourceFileLoader("docs_answers", str(path))
    spec = importlib.util.spec_from_loader("docs_answers", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


async def test_every_example_of_the_front_end_guide_answers_as_the_page_says(database_url: str) -> None:
    docs = _generator()
    server = db.with_database(database_url, "postgres")
    answers = await docs.answers_on(server, f"hub_docs_{uuid.uuid4().hex[:10]}")
    assert docs.FAILED == [], docs.FAILED
    page = docs.render(answers)
    committed = PAGE.read_text(encoding="utf-8")
    if page != committed:
        diff = "".join(difflib.unified_diff(
            committed.splitlines(keepends=True), page.splitlines(keepends=True),
            "docs/frontend.md (committed)", "docs/frontend.md (the hub now)", n=2))
        raise AssertionError("docs/frontend.md no longer matches the hub: run scripts/docs-answers\n"
                             + diff[:6000])
    # What the guide promises a front-end developer finds there.
    for heading in ("A wish's page", "Search", "Pagination", "## Errors", "## CORS", "## Code generation"):
        assert heading in committed
    assert "schema/schema.graphql" in committed and "hub documents add" in committed
