"""What a client sees of a GraphQL error: a code it can act on, a message without its input.

Every error leaves the hub with ``extensions.code``:

===========================  ====================================================
``GRAPHQL_PARSE_FAILED``     the document is not GraphQL
``GRAPHQL_VALIDATION_FAILED`` the document does not fit the schema
``BAD_USER_INPUT``           a variable or argument the hub refuses (a DateTime
                             without offset, an Int beyond 32 bits, a bad id ...)
``FORBIDDEN``                the caller's role may not read this
``TIMEOUT``                  the request ran past its deadline, or a statement
                             past ``statement_timeout``
``SERVICE_UNAVAILABLE``      the database cannot be reached
``INTERNAL_SERVER_ERROR``    a fault of the hub: the message is "internal error"
===========================  ====================================================

and the hub's own specific refusals (``QUERY_TOO_COSTLY``, ``QUERY_TOO_DEEP``,
``PERSISTED_QUERY_NOT_FOUND`` ...) keep theirs.

The phase an error arose in says most of what it is, and graphql-core does
not record it: ``ErrorPhases`` tags errors of parsing, validation and
variable coercion as they happen; ``present`` gives every other error its
code from the exception behind it. Messages never quote the values a client
sent (a variable may hold an ID number, a title a name): graphql-core's
``found: …`` and ``cannot represent value: …`` tails are cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

from hub.errors import AccessError, DatabaseUnavailable, HubError, QueryError, RequestTimeout

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
FORBIDDEN = "FORBIDDEN"
TIMEOUT = "TIMEOUT"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
INTERNAL = "INTERNAL_SERVER_ERROR"

INTERNAL_MESSAGE = "internal error"

# PostgreSQL's "canceling statement due to statement timeout" (or a cancel).
_QUERY_CANCELED = "57014"

# Where graphql-core quotes the value it refused, and what is left in its place.
_VALUE_TAILS = (
    # "…; found: {"a": 1}." / ". Found: …" / ", found: …"
    (re.compile(r"(?:[;,.]\s*)?\b[Ff]ound: .*\Z", re.S), "."),
    # "Int cannot represent non-integer value: 'abc'"
    (re.compile(r"(cannot represent[^:]*?\bvalue): .*?(?=\Z|;)", re.S), r"\1"),
    # "Value 'PURPLE' does not exist in 'RGB' enum."
    (re.compile(r"Value .* does not exist in '(\w+)' enum\.", re.S),
     r"The value is not one of the enum '\1'."),
    # "…, but encountered error 'DateTime … has no offset…'; found" (the error is ours)
    (re.compile(r", but encountered error '(.*)'\.?\Z", re.S), r": \1"),
    # Any string literal left: graphql-core quotes names with ', values with ".
    (re.compile(r'\s*"(?:[^"\\]|\\.)*"', re.S), ""),
)
_MAX_MESSAGE = 500


def _code_of(error: GraphQLError) -> str | None:
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else None


def _tag(errors: list[GraphQLError] | None, code: str) -> None:
    for error in errors or ():
        if _code_of(error) is None:
            error.extensions = {**(error.extensions or {}), "code": code}


class ErrorPhases(SchemaExtension):
    """Tags errors with the phase they arose in (see the module's docstring)."""

    def on_parse(self) -> Iterator[None]:
        yield
        _tag(self.execution_context.pre_execution_errors, PARSE_FAILED)

    def on_validate(self) -> Iterator[None]:
        yield
        _tag(self.execution_context.pre_execution_errors, VALIDATION_FAILED)

    def on_execute(self) -> Iterator[None]:
        yield
        result: Any = self.execution_context.result
        errors = getattr(result, "errors", None) or []
        # Before any field ran: variables that do not coerce, an unknown or
        # ambiguous operation name.
        _tag([e for e in errors if e.path is None], BAD_USER_INPUT)


def code_of(error: GraphQLError) -> str:
    """The code ``error`` is answered with."""
    code = _code_of(error)
    if code is not None:
        return code
    original = error.original_error
    if isinstance(error, GraphQLSyntaxError):
        return PARSE_FAILED
    if original is None or isinstance(original, GraphQLError):
        # GraphQL's own refusals raised in execution (an argument's coercion).
        return BAD_USER_INPUT
    if isinstance(original, QueryError):
        return BAD_USER_INPUT
    if isinstance(original, AccessError):
        return FORBIDDEN
    if isinstance(original, RequestTimeout) or getattr(original, "sqlstate", None) == _QUERY_CANCELED:
        return TIMEOUT
    if isinstance(original, DatabaseUnavailable):
        return SERVICE_UNAVAILABLE
    return INTERNAL


def is_fault(error: GraphQLError) -> bool:
    """A fault of the hub (logged in full), not a client's mistake."""
    if code_of(error) != INTERNAL:
        return False
    return not isinstance(error.original_error, HubError)


def without_values(message: str) -> str:
    """``message`` without the input values graphql-core quotes in it."""
    for pattern, replacement in _VALUE_TAILS:
        message = pattern.sub(replacement, message)
    message = message.replace("\x00", "")
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE] + "…"
    return message


def present(error: GraphQLError) -> GraphQLError:
    """The error as a client sees it: coded; a fault as "internal error"."""
    code = code_of(error)
    if code == INTERNAL and not isinstance(error.original_error, HubError):
        message = INTERNAL_MESSAGE
    elif code == TIMEOUT and not isinstance(error.original_error, RequestTimeout):
        message = "A statement took longer than the hub allows; ask for less (a narrower range, " \
                  "a coarser granularity, smaller pages)."
    else:
        message = without_values(error.message)
    extensions = {**(error.extensions or {}), "code": code}
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )
