"""The dashboard's GraphQL operations: one file each, sent as trusted documents.

The page runs only the operations in ``hub/static/dashboard/operations/``
(one document per file, named by the SHA-256 of its exact text), sending each
with its hash the Apollo way. A hub with ``[security] trusted_documents_only``
serves the public page once they are registered::

    hub documents add hub/static/dashboard/operations/*.graphql

``/dashboard/operations.json`` hands them to the page as an Apollo
persisted-query manifest (``{"operations": [{"id", "name", "body"}]}``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from hub.security.documents import sha256_of

OPERATIONS_DIR = Path(__file__).resolve().parent.parent / "static" / "dashboard" / "operations"


@functools.cache
def manifest() -> dict[str, Any]:
    operations = []
    for path in sorted(OPERATIONS_DIR.glob("*.graphql")):
        body = path.read_text("utf-8")
        operations.append({"id": sha256_of(body), "name": path.stem, "body": body})
    return {"operations": operations}
