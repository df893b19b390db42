"""Validation remembered per parsed document.

strawberry's ``ValidationCache`` keys its LRU cache on the document itself,
whose hash walks the whole syntax tree on every request (about 50 µs for a
list page's query here). The parser cache hands every request of a document
the same parsed object, so its identity is key enough: this cache keeps the
document alive beside its errors, so that the identity is not reused while
the entry lives. Validation itself is strawberry's (``validate_document``:
the schema's rules and strawberry's own).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

# Documents remembered (as many as the parser cache keeps, with room for the
# rule sets of roles with and without introspection).
MAX_DOCUMENTS = 1024

_VALIDATED: OrderedDict[tuple[int, int, Any], tuple[Any, DocumentNode, list[GraphQLError]]] = (
    OrderedDict())


class ValidationByDocument(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        schema = ctx.schema._schema
        document = ctx.graphql_document
        assert document is not None
        rules = ctx.validation_rules
        key = (id(schema), id(document), rules)
        found = _VALIDATED.get(key)
        if found is not None and found[0] is schema and found[1] is document:
            _VALIDATED.move_to_end(key)
            errors = found[2]
        else:
            errors = validate_document(schema, document, rules)
            _VALIDATED[key] = (schema, document, errors)
            if len(_VALIDATED) > MAX_DOCUMENTS:
                _VALIDATED.popitem(last=False)
        ctx.pre_execution_errors = errors
        yield
