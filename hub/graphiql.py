"""GraphiQL served entirely by the hub, for networks without internet access.

strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from
unpkg.com. ``scripts/refresh-graphiql`` copies those exact files (SRI-checked)
from their npm packages into ``hub/static/graphiql`` with a ``manifest.json``;
this module rewrites strawberry's page to load them from the hub instead and
serves them. Building the page refuses to leave any remote asset in it.
"""

from __future__ import annotations

import functools
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope
from strawberry.http.ides import get_graphql_ide_html

from hub.errors import HubError

ASSETS_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
ASSETS_PATH = "/graphiql-assets"
# Versioned paths (react@18.2.0/...) never change content: cache for a year.
_CACHE_CONTROL = "public, max-age=31536000, immutable"
_CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
}

# The page's own JS, rewritten: each must occur exactly once in strawberry's
# template, so a strawberry upgrade that changes it fails loudly here.
_FETCH_URL = 'const fetchURL = window.location.href.split("?")[0];'
_SUBSCRIPTION_URL = "const subscriptionUrl = httpUrlToWebSockeUrl(fetchURL);"
_FETCHER_SUBSCRIPTION_ARG = "        subscriptionUrl,\n"


class GraphiQLAssetsError(HubError):
    """The vendored GraphiQL assets do not match strawberry's page."""


class _AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        url = a.get("src") if tag == "script" else a.get("href") if tag == "link" else None
        if url and not url.startswith("data:"):
            self.assets.append((url, a.get("integrity")))


def page_assets(page: str) -> list[tuple[str, str | None]]:
    """(URL, integrity) of every script and stylesheet a page loads; data: URLs left out."""
    parser = _AssetParser()
    parser.feed(page)
    parser.close()
    return parser.assets


def _is_remote(url: str) -> bool:
    return url.startswith(("http:", "https:", "//")) or "://" in url


def _manifest() -> list[dict[str, Any]]:
    path = ASSETS_DIR / "manifest.json"
    try:
        assets = json.loads(path.read_text("utf-8"))["assets"]
    except (OSError, ValueError, KeyError) as exc:
        raise GraphiQLAssetsError(
            "GraphiQL assets are missing; run scripts/refresh-graphiql"
        ) from exc
    return list(assets)


def _replace_once(page: str, old: str, new: str) -> str:
    if page.count(old) != 1:
        raise GraphiQLAssetsError(
            f"strawberry's GraphiQL page changed ({old.strip()!r}); update hub/graphiql.py"
        )
    return page.replace(old, new)


@functools.cache
def graphiql_html(endpoint: str = "/graphql", assets_path: str = ASSETS_PATH) -> str:
    """strawberry's GraphiQL page, loading its assets from ``assets_path`` on the hub.

    ``endpoint`` is where the page sends queries (relative to the page's URL);
    subscriptions are switched off: the hub has none.
    """
    page = get_graphql_ide_html("graphiql")
    loads = dict(page_assets(page))
    for asset in _manifest():
        url, local, integrity = asset["url"], asset["path"], asset["integrity"]
        if loads.get(url) != integrity:
            raise GraphiQLAssetsError(
                f"{url} with integrity {integrity} is not in strawberry's GraphiQL page: "
                "run scripts/refresh-graphiql"
            )
        if not (ASSETS_DIR / local).is_file():
            raise GraphiQLAssetsError(
                f"GraphiQL asset {local} missing: run scripts/refresh-graphiql"
            )
        page = _replace_once(page, f'"{url}"', f'"{assets_path}/{local}"')
    # json.dumps makes a JS string literal; "</" must not close the <script>.
    target = json.dumps(endpoint).replace("</", "<\\/")
    page = _replace_once(
        page, _FETCH_URL, f"const fetchURL = new URL({target}, window.location.href).href;"
    )
    page = _replace_once(page, _SUBSCRIPTION_URL, "")
    page = _replace_once(page, _FETCHER_SUBSCRIPTION_ARG, "")
    remote = [url for url, _ in page_assets(page) if _is_remote(url)]
    if remote or "unpkg.com" in page:
        raise GraphiQLAssetsError(
            f"GraphiQL page still loads remote assets {remote}: run scripts/refresh-graphiql"
        )
    return page


class _AssetFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["cache-control"] = _CACHE_CONTROL
            content_type = _CONTENT_TYPES.get(Path(path).suffix)
            if content_type is not None and response.status_code == 200:
                response.headers["content-type"] = content_type
        return response


def graphiql_assets_mount(path: str = ASSETS_PATH) -> Mount:
    """A Starlette ``Mount`` serving the vendored GraphiQL assets at ``path``."""
    return Mount(path, app=_AssetFiles(directory=ASSETS_DIR), name="graphiql-assets")


# Fail at import, not at a user's first visit, when assets and page disagree.
graphiql_html()
