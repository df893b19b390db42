"""``/dashboard`` in headless Chromium (Debian's, driven by Playwright) against a
hub serving the demo data: no console errors, no request leaving 127.0.0.1,
the headline equal to the ``stats`` query, a city chosen in the URL and the
charts, a city key kept to its city through the page and its export, the
exported workbook equal to the page, the wish dialog, and a screenshot at
1920×1080 and at 1280×800 (written to ``HUB_TEST_ARTIFACTS``, default
``test-artifacts/``).

Skipped when chromium or playwright is missing, except in CI (``CI=true``, or
``HUB_REQUIRE_BROWSER`` as ``.ci/run`` sets it after installing both).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import asyncpg
import httpx
import openpyxl
import pytest

from hub import seed
from hub.commands.serve import HTTP_PROTOCOL
from hub.security.keys import hash_token
from hub.seed.load import load as load_seed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
_MISSING = not Path(CHROMIUM).exists()
try:
    from playwright.async_api import Browser, Page, async_playwright
except ImportError:  # pragma: no cover - the test extras install it
    _MISSING = True

if _MISSING and os.environ.get("CI") != "true" and not os.environ.get("HUB_REQUIRE_BROWSER"):
    pytest.skip("needs Debian's chromium and playwright (CI installs both)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("HUB_TEST_ARTIFACTS") or ROOT / "test-artifacts")
FLAGS = ["--no-sandbox", "--disable-gpu", "--lang=zh-CN", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
         "--disable-default-apps", "--disable-features=Translate,MediaRouter,OptimizationHints"]
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
PROVINCE_TOKEN = "lnhub_browser-test-province-key-000000000000001"
CITY_TOKEN = "lnhub_browser-test-shenyang-key-000000000000002"
FIGURES = """wishes { submitted open claimed fulfilled cancelled fulfillmentRate overdue
                      flow { submitted claimed fulfilled cancelled } }
             activities { activities sessions beneficiaries volunteerHours } teams teamMembers"""
# The headline cards (data-figure) and where the `stats` answer holds each.
CARDS = {
    "submitted": ("wishes", "submitted"), "claimed": ("wishes", "claimed"),
    "fulfilled": ("wishes", "fulfilled"), "fulfillmentRate": ("wishes", "fulfillmentRate"),
    "open": ("wishes", "open"), "overdue": ("wishes", "overdue"),
    "flow.submitted": ("wishes", "flow", "submitted"), "flow.claimed": ("wishes", "flow", "claimed"),
    "flow.fulfilled": ("wishes", "flow", "fulfilled"),
    "flow.cancelled": ("wishes", "flow", "cancelled"),
    "teams": ("teams",), "teamMembers": ("teamMembers",), "activities": ("activities", "activities"),
    "sessions": ("activities", "sessions"), "beneficiaries": ("activities", "beneficiaries"),
    "volunteerHours": ("activities", "volunteerHours"),
}
# The workbook's 概况 rows showing the same figures.
SUMMARY = {
    "submitted": "征集（按提交日）", "claimed": "已认领", "fulfilled": "已圆梦",
    "fulfillmentRate": "圆梦率", "open": "待认领", "overdue": "待认领超30天",
    "flow.submitted": "本期征集", "flow.claimed": "本期认领", "flow.fulfilled": "本期圆梦",
    "flow.cancelled": "本期撤销", "teams": "队伍", "teamMembers": "队员", "activities": "活动",
    "sessions": "场次", "beneficiaries": "受惠群众人次", "volunteerHours": "服务时长（小时）",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
async def demo(pool: asyncpg.Pool) -> None:
    """The demo data, loaded through the adapters as ``hub demo`` loads it."""
    async with pool.acquire() as conn:
        await conn.execute("truncate claims, claim_cards, wishes, teams, stations, activities, "
                           "batches, dead_letters, sync_cursors restart identity cascade")
    await load_seed(pool, seed.DEMO_SCALE, seed=7, now=NOW)


@pytest.fixture(scope="module")
def hub_url(demo: None, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The hub under uvicorn on 127.0.0.1, public reads on, a province and a 沈阳 key."""
    folder = tmp_path_factory.mktemp("hub")
    config = folder / "hub.toml"
    config.write_text(f"""
[public]
enabled = true
[security.rate_limit]
enabled = false
[keys.province-office]
role = "province"
sha256 = "{hash_token(PROVINCE_TOKEN)}"
[keys.shenyang-office]
role = "city"
region = "210100"
sha256 = "{hash_token(CITY_TOKEN)}"
""", "utf-8")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "HUB_CONFIG": str(config)}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "hub.app:factory", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--http", HTTP_PROTOCOL],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the hub did not start: " + (server.stderr.read().decode() if server.stderr else ""))
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        await b.close()


class Watch:
    """A page's console errors and every request it tried to make elsewhere."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.elsewhere: list[str] = []


async def _page(browser: Browser, width: int, height: int) -> tuple[Page, Watch]:
    context = await browser.new_context(viewport={"width": width, "height": height},
                                        locale="zh-CN", accept_downloads=True)
    watch = Watch()

    async def only_here(route: Any) -> None:
        if urlparse(route.request.url).hostname != "127.0.0.1":
            watch.elsewhere.append(route.request.url)
            await route.abort()
        else:
            await route.continue_()

    await context.route("**/*", only_here)
    page = await context.new_page()
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    return page, watch


async def _loaded(page: Page, region: str) -> None:
    await page.wait_for_selector(f"body[data-region='{region}'][data-loaded]", timeout=30000)


async def _cards(page: Page) -> dict[str, float]:
    found: dict[str, str] = await page.eval_on_selector_all(
        ".card[data-figure]",
        "cards => Object.fromEntries(cards.map(c => [c.dataset.figure, c.dataset.value]))")
    return {k: float(v) for k, v in found.items()}


def _stats(url: str, region: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    answer = httpx.post(f"{url}/graphql", headers=headers, json={
        "query": "query($f: StatsFilter) { stats(filter: $f) { " + FIGURES + " } }",
        "variables": {"f": {"regionCode": region}}}, timeout=30)
    assert answer.status_code == 200, answer.text
    stats: dict[str, Any] = answer.json()["data"]["stats"]
    return stats


def _expected(stats: dict[str, Any]) -> dict[str, float]:
    out = {}
    for card, path in CARDS.items():
        value: Any = stats
        for name in path:
            value = value[name]
        out[card] = float(value)
    return out


async def _sign_in(page: Page, token: str) -> None:
    await page.fill("form.signin input[name=key]", token)
    async with page.expect_navigation():
        await page.click("form.signin button")


async def _regions(page: Page) -> list[str]:
    codes: str = await page.get_attribute("#chart-regions", "data-regions") or ""
    return codes.split(",")


async def test_the_public_page_shows_the_stats_query_and_follows_the_chosen_city(
    browser: Browser, hub_url: str,
) -> None:
    page, watch = await _page(browser, 1920, 1080)
    await page.goto(f"{hub_url}/dashboard")
    await _loaded(page, "210000")
    assert await _cards(page) == _expected(_stats(hub_url, "210000"))
    cities = await _regions(page)
    assert len(cities) == 14 and all(c.endswith("00") for c in cities)
    await page.wait_for_timeout(500)  # the charts' entry animation
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "dashboard-1920x1080.png"))

    await page.select_option("#city", "210100")
    await _loaded(page, "210100")
    assert page.url.endswith("/dashboard?region=210100")
    assert await _cards(page) == _expected(_stats(hub_url, "210100"))
    counties = await _regions(page)
    assert counties != cities and all(c.startswith("2101") for c in counties)
    # A month chosen: in the URL, and the flow figures are that month's.
    await page.fill("#month", "2026-06")
    await page.dispatch_event("#month", "change")
    await page.wait_for_url("**/dashboard?region=210100&from=2026-06-01&to=2026-07-01")
    await _loaded(page, "210100")
    # The oldest open wishes open their history.
    await page.click("#oldest tbody tr[data-id]")
    await page.wait_for_selector("dialog#wish[open] .timeline li")
    assert "提交心愿" in await page.inner_text("dialog#wish")
    assert watch.errors == [] and watch.elsewhere == []


async def test_a_signed_in_province_key_at_laptop_size(browser: Browser, hub_url: str) -> None:
    page, watch = await _page(browser, 1280, 800)
    await page.goto(f"{hub_url}/dashboard?region=210200")
    await _loaded(page, "210200")
    await _sign_in(page, PROVINCE_TOKEN)
    await _loaded(page, "210200")  # signing in keeps the choice
    assert "省级 · province-office" in await page.inner_text("header")
    assert await _cards(page) == _expected(_stats(hub_url, "210200"))
    cookies = await page.context.cookies()
    session = [c for c in cookies if c["name"] == "hub_session"]
    assert session and session[0]["httpOnly"] and session[0]["sameSite"] == "Strict"
    assert PROVINCE_TOKEN not in str(cookies) and PROVINCE_TOKEN not in page.url
    stored = await page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert PROVINCE_TOKEN not in stored
    await page.wait_for_timeout(500)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "dashboard-1280x800.png"))
    async with page.expect_navigation():
        await page.click("form.signout button")
    assert "公开数据" in await page.inner_text("header")
    assert watch.errors == [] and watch.elsewhere == []


async def test_a_city_key_sees_only_its_city_and_its_export_holds_the_pages_figures(
    browser: Browser, hub_url: str,
) -> None:
    page, watch = await _page(browser, 1280, 800)
    await page.goto(f"{hub_url}/dashboard")
    await _sign_in(page, CITY_TOKEN)
    # Another city in the link: the page shows its own.
    await page.goto(f"{hub_url}/dashboard?region=210200")
    await _loaded(page, "210100")
    assert page.url.endswith("/dashboard?region=210100")
    shown = await _cards(page)
    assert shown == _expected(_stats(hub_url, "210100")) != _expected(_stats(hub_url, "210200"))
    assert all(c.startswith("2101") for c in await _regions(page))
    assert await page.eval_on_selector_all("#city option", "o => o.map(x => x.value)") == ["210100"]
    # Nor through the export.
    refused = await page.context.request.get(f"{hub_url}/dashboard/export.xlsx?region=210200")
    assert refused.status == 403
    # The workbook the page downloads holds the page's figures.
    async with page.expect_download() as wanted:
        await page.click("#export")
    download = await wanted.value
    path = await download.path()
    assert path is not None and download.suggested_filename == "沈阳市-全部时间.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()))["概况"]
    values = {h: v for h, v in sheet.iter_rows(min_row=7, max_col=2, values_only=True) if h}
    for card, header in SUMMARY.items():
        assert values[header] == shown[card], (card, header)
    assert watch.errors == [] and watch.elsewhere == []
