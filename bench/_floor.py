"""The floor of ``bench/compare.py``: starlette + asyncpg, one hand-written SQL statement
per request, the response JSON built inside PostgreSQL and forwarded as bytes.

Not an API: no GraphQL, no permissions, no limits. It shows what the database and
a bare Python web stack cost for the same pages, so that the hub's and
PostGraphile's figures have a floor to be read against.

    BENCH_FLOOR_DATABASE_URL=... uvicorn bench._floor:app --workers 2
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_CLAIMS = """
    (select coalesce(json_agg(json_build_object(
                'claimantKind', c.claimant_kind, 'claimantName', c.claimant_name,
                'claimedAt', c.claimed_at, 'team', t.name) order by c.ordinal), '[]')
       from claims c
       left join teams t on t.source = w.source and t.source_id = c.team_ref and not t.deleted
      where c.wish_id = w.id)
"""


def _list_page(after: str) -> str:
    """The 50 newest wishes of a county and status (``$1``, ``$2``), ``after`` a position."""
    return f"""
        select coalesce(json_agg(json_build_object(
                   'id', w.id, 'title', w.title, 'status', w.status,
                   'submittedAt', w.submitted_at, 'region', r.name, 'claims', {_CLAIMS})
                 order by w.submitted_at desc, w.id desc), '[]')
          from (select * from wishes
                 where county_code = $1 and status = $2 and not deleted and not shadowed
                   {after}
                 order by submitted_at desc, id desc limit 50) w
          join regions r on r.code = w.region_code"""


# One statement per page; limit first, join after.
_SQL = {
    "list": _list_page(""),
    # The next page after a cursor: the previous page's last (submittedAt, id).
    "list_after": _list_page("and (submitted_at, id) < ($3::timestamptz, $4::bigint)"),
    "detail": f"""
        select json_build_object(
                   'id', w.id, 'title', w.title, 'status', w.status, 'category', w.category,
                   'submittedAt', w.submitted_at, 'claimedAt', w.claimed_at,
                   'region', r.name, 'claims', {_CLAIMS})
          from wishes w join regions r on r.code = w.region_code
         where w.id = $1 and not w.deleted and not w.shadowed""",
    "teams": """
        select coalesce(json_agg(json_build_object(
                   'id', t.id, 'name', t.name, 'memberCount', t.member_count, 'region', r.name)
                 order by t.id), '[]')
          from (select * from teams where county_code = $1 and not deleted
                 order by id limit 20) t
          join regions r on r.code = t.region_code""",
    "counts": """
        select coalesce(json_object_agg(status, n), '{}')
          from (select status, count(*) as n from wishes
                 where county_code = $1 and not deleted and not shadowed
                 group by status) s""",
}
_ARGS = {"list": ("county", "status"), "detail": ("id",), "teams": ("county",), "counts": ("county",)}


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(
        os.environ["BENCH_FLOOR_DATABASE_URL"], min_size=10, max_size=10, reset=_no_reset)
    yield
    await app.state.pool.close()


async def _no_reset(conn: asyncpg.Connection) -> None:
    return None  # no session state is ever left behind: spare the reset round trip


def _endpoint(name: str) -> Any:
    sql = _SQL[name]
    names = _ARGS[name]

    async def answer(request: Request) -> Response:
        variables = json.loads(await request.body())
        args = [variables[n] for n in names]
        after = variables.get("after") if name == "list" else None
        async with request.app.state.pool.acquire() as conn:
            if after:
                data = await conn.fetchval(_SQL["list_after"], *args,
                                           dt.datetime.fromisoformat(after[0]), int(after[1]))
            else:
                data = await conn.fetchval(sql, *args)
        return Response(data or "null", media_type="application/json")

    return answer


app = Starlette(routes=[Route(f"/{name}", _endpoint(name), methods=["POST"]) for name in _ARGS],
                lifespan=_lifespan)
