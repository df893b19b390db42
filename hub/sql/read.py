"""SQL of the API's reads: list pages, totals and the per-request loaders.

The four list kinds (wishes, teams, stations, activities) are each one
``ListSql`` declaration (its table, the rows never listed, its filter's
conditions, its columns, its to-one relations); ``page``, ``count`` and
``by_id`` write every kind's statements the same way.

A single wish status is passed as a scalar (``$5``) rather than a one-element
array (``$4``): only an equality lets the planner walk the (county, status,
submitted_at) index in order instead of filtering a date-ordered scan.

Region filters take three parameters, of which at most one is set: a city
code (equality on ``city_code``), a county code (equality on
``county_code``), or a code prefix for towns and villages (``like``). Every
list hides deleted records, and wishes also hide shadowed provincial mirrors.

Pages select and limit the base rows first, then join their to-one
relations (limit first, join after: 15-30x faster than the other way), so
that a page and its to-one relations come from one statement.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Condition:
    """One filter of a list: ``sql`` (``{a}`` the table's alias, ``{p}`` the
    parameter) applies when the parameter, of PostgreSQL type ``type``, is
    not null. ``name`` is the value's key in the list query's ``values()``."""

    name: str
    type: str
    sql: str


@dataclass(frozen=True, slots=True)
class ToOne:
    """A to-one relation read with each row: the id of the live row of
    ``table`` whose (source, source_id) is the row's (source,
    ``<field>_ref``), selected as ``<field>_id``. ``field`` is the relation's
    name (the GraphQL field that reads it)."""

    field: str
    table: str

    @property
    def column(self) -> str:
        return f"{self.field}_id"


@dataclass(frozen=True, slots=True)
class Key:
    """A column of a list's order (and of its keyset cursor), of PostgreSQL type ``type``."""

    column: str
    type: str


@dataclass(frozen=True, slots=True)
class ListSql:
    """One list kind's table, as its statements need it."""

    table: str
    alias: str
    hidden: str  # the rows no list shows, as a condition that keeps the others
    conditions: tuple[Condition, ...]
    columns: str
    to_one: tuple[ToOne, ...] = ()

    def select(self, to_one: bool = True) -> str:
        """Its columns, and with ``to_one`` each relation's id (a subquery per row)."""
        a = self.alias
        if not to_one:
            return f"{a}.*"
        joined = "".join(
            f""",
       (select x.id from {r.table} x
         where x.source = {a}.source and x.source_id = {a}.{r.field}_ref and not x.deleted)
         as {r.column}"""
            for r in self.to_one
        )
        return self.columns.strip() + joined

    def where(self, shape: Shape | None = None) -> str:
        """Its filter: ``$1``… in the order of ``conditions``; with ``shape``,
        written for the conditions it says are set (see ``Shape``)."""
        a = self.alias
        lines = [self.hidden.format(a=a)]
        for n, c in enumerate(self.conditions, start=1):
            p = f"${n}"
            if shape is None:
                lines.append(f"({p}::{c.type} is null or {c.sql.format(a=a, p=p)})")
            elif shape.conditions[n - 1]:
                lines.append(f"({c.sql.format(a=a, p=f'{p}::{c.type}')})")
            else:
                lines.append(_unset(p, c.type))
        return "\n      and ".join(lines)


@dataclass(frozen=True, slots=True)
class Shape:
    """Which of a list statement's optional parameters a request sets: one
    flag per condition, and whether it starts after a cursor.

    The statements written with ``($n is null or ...)`` take any filter and
    must be planned with their values (custom plans) to use the index of the
    filter given. The query planner writes one statement per shape instead:
    a set condition plainly, an unset one as ``($n::type is null or true)``
    (the parameter keeps its type; the planner folds the test away), so that
    PostgreSQL's generic plan of the statement, made once per connection, is
    the plan of those very filters (``hub.db``, ``SERVER_SETTINGS``)."""

    conditions: tuple[bool, ...]
    after: bool


def _unset(param: str, pg_type: str) -> str:
    return f"({param}::{pg_type} is null or true)"


# Every list's first three conditions: its region, as hub.read.RegionScope gives it.
REGION = (
    Condition("city", "text", "{a}.city_code = {p}"),
    Condition("county", "text", "{a}.county_code = {p}"),
    Condition("prefix", "text", "{a}.region_code like {p}"),
)


def page(kind: ListSql, keys: tuple[Key, ...], descending: bool, *, to_one: bool = True,
         shape: Shape | None = None) -> str:
    """A page of ``kind`` in ``keys``' order after a keyset position: the filter's
    parameters, then one per key (all null: the first page), then the limit.
    Without ``to_one``: the table's rows as they are (the query planner's,
    which reads a relation by reference only when the query asks for it).
    With ``shape``: for the filters and position it says are set (``Shape``)."""
    a = kind.alias
    n = len(kind.conditions)
    at = [f"${n + 1 + i}::{k.type}" for i, k in enumerate(keys)]
    columns = ", ".join(f"{a}.{k.column}" for k in keys)
    order = ", ".join(f"{a}.{k.column}{' desc' if descending else ''}" for k in keys)
    after = f"({columns}) {'<' if descending else '>'} ({', '.join(at)})"
    if shape is None:
        position = f"({at[0]} is null or {after})"
    elif shape.after:
        position = f"({after})"
    else:
        position = " and ".join(_unset(f"${n + 1 + i}", k.type) for i, k in enumerate(keys))
    return f"""
select {kind.select(to_one)}
from (
    select {a}.* from {kind.table} {a}
    where {kind.where(shape)}
      and {position}
    order by {order}
    limit ${n + 1 + len(keys)}
) {a}
order by {order}
"""


def count(kind: ListSql, shape: Shape | None = None) -> str:
    return f"select count(*) from {kind.table} {kind.alias}\nwhere {kind.where(shape)}"


def by_id(kind: ListSql, *, to_one: bool = True) -> str:
    a = kind.alias
    return f"""
select {kind.select(to_one)}
from {kind.table} {a}
where {a}.id = any($1::bigint[]) and {kind.hidden.format(a=a)}
"""


def one_by_id(kind: ListSql) -> str:
    """One row of ``kind`` by id (``$1``), as the table has it, the rows no
    list shows left out above the lookup (``offset 0`` keeps the condition
    there): beside the id, PostgreSQL tries each of the table's partial
    indexes against it at every execution (custom plans), and wishes have 23
    (half the planning of the query planner's one-wish statement)."""
    a = kind.alias
    return f"""
select {a}.* from (select {a}.* from {kind.table} {a} where {a}.id = $1 offset 0) {a}
where {kind.hidden.format(a=a)}
"""


_STATION = ToOne("station", "stations")
BY_ID = (Key("id", "bigint"),)

# ---------------------------------------------------------------- wishes

WISHES = ListSql(
    table="wishes",
    alias="w",
    hidden="not {a}.deleted and not {a}.shadowed",
    conditions=(
        *REGION,
        Condition("statuses", "text[]", "{a}.status = any({p})"),
        Condition("status", "text", "{a}.status = {p}"),
        Condition("category", "text[]", "{a}.category = any({p})"),
        Condition("beneficiary_group", "text[]", "{a}.beneficiary_group = any({p})"),
        Condition("source_code", "text",
                  "{a}.source = (select s.id from sources s where s.code = {p})"),
        Condition("submitted_from", "timestamptz", "{a}.submitted_at >= {p}"),
        Condition("submitted_to", "timestamptz", "{a}.submitted_at < {p}"),
        Condition("search", "text", "{a}.title ilike {p}"),
        Condition("handling_level", "text", "{a}.handling_level = {p}"),
        Condition("claimed_by_team", "bigint", """exists (
        select 1 from claims c join teams t on t.source = {a}.source and t.source_id = c.team_ref
         where c.wish_id = {a}.id and t.id = {p})"""),
    ),
    columns="""
       w.id, w.source, w.source_id, w.title, w.kind, w.category, w.beneficiary_group,
       w.beneficiary_name, w.status, w.region_code, w.submitted_at, w.claimed_at,
       w.fulfilled_at, w.handling_level
""",
    to_one=(_STATION,),
)
BY_SUBMITTED = (Key("submitted_at", "timestamptz"), Key("id", "bigint"))
WISHES_PAGE_DESC = page(WISHES, BY_SUBMITTED, descending=True)
WISHES_PAGE_ASC = page(WISHES, BY_SUBMITTED, descending=False)
WISHES_COUNT = count(WISHES)
WISHES_BY_ID = by_id(WISHES)
# The query planner's (``hub.sql.plan``): rows without their to-one ids.
WISHES_ROWS_DESC = page(WISHES, BY_SUBMITTED, descending=True, to_one=False)
WISHES_ROWS_ASC = page(WISHES, BY_SUBMITTED, descending=False, to_one=False)
WISH_ROW_BY_ID = one_by_id(WISHES)

CLAIMS_BY_WISH = """
select c.wish_id, c.claimant_kind, c.claimant_name, c.claimed_at,
       (select t.id from teams t
         where t.source = w.source and t.source_id = c.team_ref and not t.deleted) as team_id
from claims c
join wishes w on w.id = c.wish_id
where c.wish_id = any($1::bigint[])
order by c.wish_id, c.ordinal
"""

# ---------------------------------------------------------------- teams

TEAMS = ListSql(
    table="teams",
    alias="t",
    hidden="not {a}.deleted",
    conditions=(
        *REGION,
        Condition("category", "text[]", "{a}.category = any({p})"),
        Condition("search", "text", "{a}.name ilike {p}"),
    ),
    columns="""
       t.id, t.source, t.source_id, t.name, t.category, t.region_code, t.member_count
""",
    to_one=(_STATION,),
)
TEAMS_PAGE = page(TEAMS, BY_ID, descending=False)
TEAMS_COUNT = count(TEAMS)
TEAMS_BY_ID = by_id(TEAMS)
TEAMS_ROWS = page(TEAMS, BY_ID, descending=False, to_one=False)

# ---------------------------------------------------------------- stations

STATIONS = ListSql(
    table="stations",
    alias="s",
    hidden="not {a}.deleted",
    conditions=(*REGION, Condition("level", "text[]", "{a}.level = any({p})")),
    columns="""
       s.id, s.source, s.source_id, s.name, s.level, s.region_code
""",
    to_one=(ToOne("parent", "stations"),),
)
STATIONS_PAGE = page(STATIONS, BY_ID, descending=False)
STATIONS_COUNT = count(STATIONS)
STATIONS_BY_ID = by_id(STATIONS)
STATIONS_ROWS = page(STATIONS, BY_ID, descending=False, to_one=False)

# ---------------------------------------------------------------- activities

ACTIVITIES = ListSql(
    table="activities",
    alias="a",
    hidden="not {a}.deleted",
    conditions=(
        *REGION,
        Condition("category", "text[]", "{a}.category = any({p})"),
        Condition("date_from", "date", "{a}.date >= {p}"),
        Condition("date_to", "date", "{a}.date < {p}"),
        Condition("team", "bigint", """exists (
        select 1 from teams t where t.id = {p} and t.source = {a}.source and t.source_id = {a}.team_ref)"""),
    ),
    columns="""
       a.id, a.source, a.source_id, a.title, a.category, a.region_code, a.date,
       a.sessions, a.volunteer_attendances, a.beneficiaries, a.volunteer_hours
""",
    to_one=(_STATION, ToOne("team", "teams")),
)
BY_DATE = (Key("date", "date"), Key("id", "bigint"))
ACTIVITIES_PAGE = page(ACTIVITIES, BY_DATE, descending=True)
ACTIVITIES_COUNT = count(ACTIVITIES)
ACTIVITIES_BY_ID = by_id(ACTIVITIES)

# ---------------------------------------------------------------- regions and sources

REGIONS_BY_CODE = """
select code, name, level, parent_code from regions where code = any($1::text[])
"""

ALL_REGIONS = "select code, name, level, parent_code from regions"

REGIONS_LIST = """
select code, name, level, parent_code from regions
where ($1::text is null or level = $1)
  and ($2::text is null or parent_code = $2)
order by code
"""

REGION_CHILDREN = """
select code, name, level, parent_code from regions
where parent_code = any($1::text[])
order by code
"""

# Records rejected per source in the last 24 hours (batches_source index).
REJECTED_LAST_DAY = """
select source, sum(rejected)::bigint as rejected from batches
 where source = any($1::smallint[]) and received_at > now() - interval '24 hours'
 group by source
"""

SOURCES = """
select id, code, name, scope_code, last_received_at, last_success_at, last_failure_at,
       last_rejected_at, records_accepted, records_rejected
from sources
order by id
"""
