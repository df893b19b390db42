"""PostgreSQL stopped under a running ``hub serve``, during queries and pushes.

What a platform and a front-end see: a quick 503 with ``Retry-After`` and a
code (never a 500, never a hang), ``/readyz`` 503 while ``/healthz`` stays
200; once the server is back the same hub process answers again, and every
push that was refused lands exactly once when re-sent.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx

from tests.faults._support import Hub, Postgres, Setup, held, psql, push, query, running, shengjing_wishes

BATCH = 20


@dataclass
class Outcome:
    kind: str  # "push" | "query"
    status: int  # 0: no HTTP answer at all
    seconds: float
    retry_after: str | None
    code: str | None
    ids: tuple[str, ...] = ()


def _code(response: httpx.Response) -> str | None:
    try:
        doc = response.json()
    except ValueError:
        return None
    if doc.get("errors"):
        code = (doc["errors"][0].get("extensions") or {}).get("code")
        return str(code) if code is not None else None
    code = doc.get("code")
    return str(code) if code is not None else None


class Load(threading.Thread):
    """Pushes of fresh wishes and list queries, one after the other, until stopped."""

    def __init__(self, hub: Hub) -> None:
        super().__init__(daemon=True)
        self.hub = hub
        self.outcomes: list[Outcome] = []
        self.halt = threading.Event()

    def run(self) -> None:
        n = 0
        with httpx.Client(timeout=30) as client:
            while not self.halt.is_set():
                n += 1
                ids = tuple(f"SJ-DOWN-{n:04d}-{i:02d}" for i in range(BATCH))
                self.outcomes.append(self._one(client, "push", ids))
                self.outcomes.append(self._one(client, "query", ()))
                time.sleep(0.02)

    def _one(self, client: httpx.Client, kind: str, ids: tuple[str, ...]) -> Outcome:
        started = time.monotonic()
        try:
            r = push(client, self.hub, "shengjing", shengjing_wishes(ids)) if kind == "push" \
                else query(client, self.hub)
        except httpx.HTTPError:
            return Outcome(kind, 0, time.monotonic() - started, None, None, ids)
        return Outcome(kind, r.status_code, time.monotonic() - started,
                       r.headers.get("retry-after"), _code(r), ids)


def test_database_stopped_and_started_under_load(postgres: Postgres, setup: Setup) -> None:
    hub = Hub(setup.url, setup.config)
    with running(hub), httpx.Client(timeout=30) as client:
        pid = hub.process.pid  # type: ignore[union-attr]
        first = [f"SJ-BEFORE-{i:02d}" for i in range(BATCH)]
        assert push(client, hub, "shengjing", shengjing_wishes(first)).json()["accepted"] == BATCH

        load = Load(hub)
        load.start()
        time.sleep(1.0)
        stopped_at = time.monotonic()
        postgres.stop()

        # While it is down: every path answers at once, 503 with a reason to retry.
        started = time.monotonic()
        down_push = push(client, hub, "shengjing", shengjing_wishes(["SJ-WHILE-DOWN"]))
        push_seconds = time.monotonic() - started
        assert down_push.status_code == 503, down_push.text
        assert down_push.headers["retry-after"].isdigit()
        assert down_push.json()["code"] == "SERVICE_UNAVAILABLE"
        assert push_seconds < 3.0  # at once: no connect time-out waited for

        down_query = query(client, hub)
        assert down_query.status_code == 503, down_query.text
        assert down_query.headers["retry-after"].isdigit()
        assert [e["extensions"]["code"] for e in down_query.json()["errors"]] == \
            ["SERVICE_UNAVAILABLE"]
        assert "postgres" not in down_query.text.lower()  # no URL, socket path or server text

        ready = client.get(f"{hub.base}/readyz")
        assert ready.status_code == 503 and ready.headers["retry-after"].isdigit()
        assert client.get(f"{hub.base}/healthz").status_code == 200
        time.sleep(max(0.0, 2.5 - (time.monotonic() - stopped_at)))  # load keeps meeting it

        postgres.start()
        restarted = time.monotonic()
        while client.get(f"{hub.base}/readyz").status_code != 200:
            assert time.monotonic() - restarted < 15, "the hub did not recover"
            time.sleep(0.1)
        recovery = time.monotonic() - restarted
        after = push(client, hub, "shengjing", shengjing_wishes(["SJ-AFTER"]))
        assert after.status_code == 200 and after.json()["accepted"] == 1
        time.sleep(0.5)
        load.halt.set()
        load.join(30)
        assert hub.process.pid == pid and hub.process.poll() is None  # type: ignore[union-attr]

        outcomes = load.outcomes
        statuses = {o.status for o in outcomes}
        assert statuses <= {200, 503}, sorted((o.kind, o.status) for o in outcomes if o.status not in (200, 503))
        refused = [o for o in outcomes if o.status == 503]
        assert refused, "the load never met the stopped database"
        assert [o for o in refused if not (o.retry_after and o.code == "SERVICE_UNAVAILABLE")] == []
        assert max(o.seconds for o in refused) < 5.0  # refused at once
        assert max(o.seconds for o in outcomes) < 20.0  # nothing hung (a busy machine is slow)
        assert recovery < 10.0

        # Re-sending what was refused lands it; re-sending again changes nothing.
        pushes = [o for o in outcomes if o.kind == "push"]
        for o in pushes:
            if o.status != 200:
                resent = push(client, hub, "shengjing", shengjing_wishes(o.ids))
                assert resent.status_code == 200
                assert resent.json()["accepted"] + resent.json()["duplicates"] == BATCH
        again = push(client, hub, "shengjing", shengjing_wishes(pushes[-1].ids))
        assert again.json()["duplicates"] == BATCH

    every = [i for o in pushes for i in o.ids] + first + ["SJ-AFTER"]
    assert set(held(setup.url, "shengjing", every)) == set(every)
    accepted = psql(setup.url,
                    "select records_accepted from sources where code = 'shengjing'")
    assert int(accepted) == len(every)  # each record counted once, re-sends or not
