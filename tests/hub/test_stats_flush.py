"""The folds at commit (functions.sql: stats_flush, stats_flush_flows) keep
exactly the cells ``stats_counted`` and ``stats_histogram`` name.

The folds list their grouping sets by hand (one pass over a delivery's
records, rather than every record times every combination); this holds
them to the one rule.
"""

from __future__ import annotations

import asyncpg

from hub.ingest import ingest
from tests.hub.test_ingest import shengjing, xy

_LEVELS = {2: 1, 4: 2, 6: 3}  # area code length -> stats level
_DIMS = {(False, False): "", (True, False): "c", (False, True): "g", (True, True): "cg"}


async def test_the_folds_keep_the_cells_the_rules_name(clean_db: asyncpg.Pool) -> None:
    done = {**xy("SJ1"), "status": "3", "claimTime": "2022-03-06 09:00:00",
            "finishTime": "2022-03-08 17:00:00",
            "claimers": [{"type": "队伍", "name": "爱心队", "id": "T-1"}]}
    await ingest(clean_db, "shengjing", shengjing(done))
    async with clean_db.acquire() as conn:
        counted = {(r["lvl"], r["g"], r["dims"]) for r in await conn.fetch(
            "select lvl, g, dims from generate_series(1, 3) lvl,"
            " unnest(array['D', 'M', 'Y']::\"char\"[]) g, unnest(array['', 'c', 'g', 'cg']) dims"
            " where stats_counted(lvl, g, dims)")}
        histogram = {(r["lvl"], r["g"]) for r in await conn.fetch(
            "select lvl, g from generate_series(1, 3) lvl,"
            " unnest(array['D', 'M', 'Y']::\"char\"[]) g where stats_histogram(lvl, g)")}
        for table in ("stats_wish_cells", "stats_flow_cells"):
            kept = {(_LEVELS[len(r["area"])], r["g"], _DIMS[r["cat"] != 0, r["grp"] != 0])
                    for r in await conn.fetch(f"select area, g, cat, grp from {table}")}
            assert kept == counted, table
        hist = await conn.fetch("select distinct area, src, m, g from stats_wish_hist")
        assert {(_LEVELS[len(r["area"])], r["g"]) for r in hist} == histogram
        # The province's one-hour histograms are of every source together.
        assert {r["src"] == 0 for r in hist if len(r["area"]) == 2} == {True}
        assert {r["src"] == 0 for r in hist if len(r["area"]) > 2} == {False}
        assert {r["m"] for r in hist} == {b"c", b"f"}
