"""SQL builders of the query planner (``schema.plan``): JSON built inside PostgreSQL.

A planned root field is one statement whose single text value is the field's
answer as JSON, byte for byte what the resolver path sends (compact, keys in
the query's order, strings as orjson writes them): the same rows (the statements of ``hub.sql.read`` are wrapped, not
rewritten: limit first, join after), the same ids, cursors and date-times
(the formats of ``hub.ids`` and ``schema.scalars``), the same village rule
(``hub.security.villages``; the caller's right to see villages is a
parameter). Nothing a client sent is ever written into the SQL text: values
are parameters, and the only names written are GraphQL response names
(``[_A-Za-z][_0-9A-Za-z]*`` by the grammar) and the schema's own type names.

Where the resolver path would raise (a non-null relation that finds no row),
the statement raises instead (``irregular``): the planner then hands the
field to the resolver path, which reports it exactly.
"""

from __future__ import annotations

import re

from hub.models import StationLevel
from hub.security.villages import GENERIC_STATION_NAMES, TOWN_CODE_LENGTH, VILLAGE_CODE_LENGTH

# A name the GraphQL grammar allows: safe inside a SQL string literal.
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


def json_object(pairs: list[tuple[str, str]]) -> str:
    """The JSON text of an object: (response name, JSON text expression), in order."""
    if not pairs:
        return "'{}'"
    parts = [f"'{{\"{_checked(pairs[0][0])}\":' || {pairs[0][1]}"]
    parts += [f"',\"{_checked(k)}\":' || {v}" for k, v in pairs[1:]]
    return "(" + " || ".join(parts) + " || '}')"


def json_name(name: str) -> str:
    """A GraphQL name (``__typename``'s value) as JSON text."""
    return f"'\"{_checked(name)}\"'"


def value(sql_expression: str) -> str:
    """A scalar's JSON text (``to_json``: as orjson writes strings, integers
    and booleans); null for NULL."""
    return f"coalesce(to_json({sql_expression})::text, 'null')"


def or_null(object_sql: str) -> str:
    """An object's JSON text, null when its subquery finds no row."""
    return f"coalesce({object_sql}, 'null')"


def _checked(name: str) -> str:
    """A GraphQL name (a response name, a type name), safe in a SQL string literal."""
    if _NAME.fullmatch(name) is None:
        raise ValueError("not a GraphQL name")
    return name


def base64url(text_sql: str) -> str:
    """``hub.ids._b64``: base64url of the UTF-8 text, without padding."""
    return f"translate(encode(convert_to({text_sql}, 'UTF8'), 'base64'), E'+/=\\n', '-_')"


def global_id(type_name: str, key_sql: str) -> str:
    """``hub.ids.encode_id(type_name, key)``."""
    return base64url(f"'{_checked(type_name)}:' || ({key_sql})::text")


def _iso(value_sql: str, offset: str) -> str:
    """``datetime.isoformat()`` of a timestamptz shown at a fixed offset
    (microseconds only when there are any, as Python writes them: no other
    part of the text can hold a dot)."""
    local = f"(({value_sql}) at time zone interval '{offset}')"
    return (f"(replace(to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') "
            f"|| '{offset}')")


def beijing_datetime(value_sql: str) -> str:
    """The ``DateTime`` scalar: Beijing time, ``+08:00`` (null stays null)."""
    return _iso(value_sql, "+08:00")


def cursor(kind: str, *position_sql: str, instant_first: bool = False) -> str:
    """``hub.ids.encode_cursor(kind, *position)`` for a position of an instant
    (written as Python writes a UTC datetime) and integers."""
    parts: list[str] = []
    for i, sql in enumerate(position_sql):
        if i == 0 and instant_first:
            parts.append(f"'\"' || {_iso(sql, '+00:00')} || '\"'")
        else:
            parts.append(f"({sql})::text")
    inner = " || ',' || ".join(parts)
    return base64url(f"'[\"{kind}\",' || {inner} || ']'")


def shown_region_code(code_sql: str, sees_villages: str) -> str:
    """``region_code_for``: a village's town for a caller who may not see villages."""
    return (f"(case when length({code_sql}) = {VILLAGE_CODE_LENGTH} and not {sees_villages} "
            f"then left({code_sql}, {TOWN_CODE_LENGTH}) else {code_sql} end)")


def shown_station_name(name_sql: str, code_sql: str, level_sql: str, sees_villages: str) -> str:
    """``station_name_for``: the generic name of its level for a station in a
    village, for a caller who may not see villages."""
    default = GENERIC_STATION_NAMES[StationLevel.STATION]
    whens = " ".join(f"when '{level.value}' then '{name}'"
                     for level, name in GENERIC_STATION_NAMES.items())
    return (f"(case when length({code_sql}) = {VILLAGE_CODE_LENGTH} and not {sees_villages} "
            f"then (case {level_sql} {whens} else '{default}' end) else {name_sql} end)")


def irregular(witness_sql: str) -> str:
    """An expression that fails when evaluated (invalid JSON text): what stands
    for a null where the schema allows none. It names a column (the witness)
    so that PostgreSQL cannot fold it into a constant and fail at planning."""
    return f"('irregular ' || coalesce(({witness_sql})::text, ''))::json::text"


def non_null(object_sql: str, witness_sql: str) -> str:
    return f"coalesce({object_sql}, {irregular(witness_sql)})"


# ---------------------------------------------------------------- relations

def region_object(fields_sql: str, alias: str, code_sql: str) -> str:
    """One region (``fields_sql`` built over ``alias``) by code; null when none."""
    return f"(select {fields_sql} from regions {alias} where {alias}.code = {code_sql})"


def region_join(fields_sql: str, alias: str, code_sql: str) -> str:
    """One region by code for each of a statement's own rows, as a join (its
    JSON is ``<alias>_j.json``; null when none): PostgreSQL then reads regions
    once for the page, where a subquery per row scanned the table again for
    every row (two thirds of a team page's execution)."""
    return (f"left join lateral (select {fields_sql} as json from regions {alias} "
            f"where {alias}.code = {code_sql}) {alias}_j on true")


def station_object(fields_sql: str, alias: str, where_sql: str) -> str:
    """One station that is not deleted, found by ``where_sql`` over ``alias``."""
    return f"(select {fields_sql} from stations {alias} where {where_sql} and not {alias}.deleted)"


def team_object(fields_sql: str, alias: str, source_sql: str, ref_sql: str) -> str:
    """The team a claim names (``CLAIMS_BY_WISH``'s ``team_id``), not deleted."""
    return (f"(select {fields_sql} from teams {alias} where {alias}.source = {source_sql} "
            f"and {alias}.source_id = {ref_sql} and not {alias}.deleted)")


def claims_list(fields_sql: str, alias: str, wish_alias: str) -> str:
    """A wish's claims, oldest first (``CLAIMS_BY_WISH``'s order); [] when none."""
    return (f"coalesce((select '[' || string_agg({fields_sql}, ',' order by {alias}.ordinal) "
            f"|| ']' from claims {alias} where {alias}.wish_id = {wish_alias}.id), '[]')")


# ---------------------------------------------------------------- root statements

def shown_rows(alias: str, order_sql: str, first: str) -> str:
    """The rows of the page shown (``page`` holds one more, if there is one)."""
    return f"(select * from page {alias} order by {order_sql} limit {first}) {alias}"


def reverse_order(order_sql: str) -> str:
    return ", ".join(part[:-5] if part.endswith(" desc") else part + " desc"
                     for part in order_sql.split(", "))


def edges(edge_sql: str, alias: str, order_sql: str, first: str, joins: str = "") -> str:
    """The page's edges; ``joins`` (``region_join``) added to its rows."""
    return (f"coalesce((select '[' || string_agg({edge_sql}, ',' order by {order_sql}) || ']' "
            f"from {shown_rows(alias, order_sql, first)} {joins}), '[]')")


def has_next(first: str) -> str:
    return value(f"(select count(*) from page) > {first}")


def end_cursor(cursor_sql: str, alias: str, order_sql: str, first: str, *, start: bool) -> str:
    """The cursor of the first (``start``) or last row shown; null when none."""
    shown = shown_rows(alias, order_sql, first)
    order = order_sql if start else reverse_order(order_sql)
    return value(f"(select {cursor_sql} from {shown} order by {order} limit 1)")


def page_statement(page_sql: str, json_sql: str) -> str:
    """A connection: ``page_sql`` (the list's own statement: limit first) as ``page``."""
    return f"with page as ({page_sql}) select {json_sql}"


def row_statement(rows_sql: str, alias: str, json_sql: str) -> str:
    """One object (null when ``rows_sql`` finds none)."""
    return f"select (select {json_sql} from ({rows_sql}) {alias})"
