"""``/dashboard``: the provincial office's page, its sign-in and its Excel export.

The page is a shell (this module) and a script (``hub/static/dashboard``)
that reads everything through the hub's public GraphQL API, as any front-end
team's page would; ECharts is served by the hub (``scripts/refresh-echarts``),
so it works with no internet. Who may look:

* a person signed in with a ``province`` key (everything) or a ``city`` key
  (its region and below: the page offers nothing else, and the export refuses
  other regions);
* with ``[public] enabled``, anyone, with the public figures only.

The choice of region and period lives in the URL (``?region=210100&from=
2022-03-01&to=2022-04-01``), so a link can be shared; the export takes the
same parameters.
"""

from __future__ import annotations

import html
import json
import logging
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hub import regions as _regions
from hub.dashboard import session as ses
from hub.dashboard.operations import manifest
from hub.errors import QueryError
from hub.security.roles import Caller, Role
from hub.security.runtime import Security
from hub.workbook import build_workbook, parse_request, workbook_name

__all__ = ["ECHARTS_VERSION", "routes"]

log = logging.getLogger("hub.dashboard")

STATIC = Path(__file__).resolve().parent.parent / "static"
ECHARTS_VERSION = "6.0.0"
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'")
_FORM = "application/x-www-form-urlencoded"
_FORM_LIMIT = 8192
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _security(request: Request) -> Security:
    security: Security = request.app.state.security
    return security


async def _session(request: Request) -> tuple[ses.SessionSigner, ses.Session | None]:
    signer = await ses.signer(request.app.state, request.app.state.pool)
    return signer, signer.read(request.cookies.get(ses.COOKIE), _security(request).keys)


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


# ---------------------------------------------------------------- the page


async def page(request: Request) -> Response:
    signer, found = await _session(request)
    public = _security(request).settings.public_enabled
    anonymous = request.cookies.get(ses.CSRF_COOKIE) or secrets.token_urlsafe(16)
    csrf = signer.csrf_for(found, anonymous)
    error = request.query_params.get("error")
    back = _next(f"/dashboard?{request.url.query}" if request.url.query else "/dashboard")
    signing_in = found is None and not public
    body = (_signin_page(csrf, error, back) if signing_in
            else _dashboard_page(csrf, found, error, back))
    response = HTMLResponse(body, headers={"Content-Security-Policy": _CSP,
                                           "Cache-Control": "no-store",
                                           "Referrer-Policy": "same-origin",
                                           "X-Content-Type-Options": "nosniff"})
    if found is None and request.cookies.get(ses.CSRF_COOKIE) != anonymous:
        response.set_cookie(ses.CSRF_COOKIE, anonymous, httponly=True, samesite="strict",
                            secure=_secure(request), path="/dashboard")
    return response


def _scope(found: ses.Session | None) -> dict[str, Any]:
    if found is None:
        return {"role": "public", "name": None, "region": None}
    key = found.key
    return {"role": key.role.value, "name": key.name,
            "region": key.region if key.role is Role.CITY else None}


def _head(title: str) -> str:
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
</head>"""


def _signin_form(csrf: str, back: str = "/dashboard") -> str:
    return f"""<form method="post" action="/dashboard/signin" class="signin" autocomplete="off">
<input type="hidden" name="csrf" value="{html.escape(csrf)}">
<input type="hidden" name="next" value="{html.escape(back)}">
<label>密钥 <input type="password" name="key" required autocomplete="off"
  placeholder="粘贴省级或市级密钥 lnhub_…"></label>
<button type="submit">登录</button>
</form>"""


_ERRORS = {
    "key": "密钥无效：请粘贴省级或市级密钥。",
    "role": "此密钥不能登录数据看板（仅限省级、市级密钥）。",
    "csrf": "表单已过期，请重新登录。",
    "busy": "尝试过于频繁，请稍后再试。",
}


def _signin_page(csrf: str, error: str | None, back: str) -> str:
    message = _ERRORS.get(error or "")
    shown = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return f"""{_head("登录 · 辽宁志愿服务数据看板")}
<body class="signin-page"><main class="signin-box">
<h1>辽宁志愿服务数据看板</h1>
<p>请粘贴省级或市级密钥登录。密钥只用于本次登录，不会保存在浏览器中。</p>
{shown}{_signin_form(csrf, back)}
</main></body></html>"""


def _dashboard_page(csrf: str, found: ses.Session | None, error: str | None, back: str) -> str:
    scope = _scope(found)
    if found is None:
        who = f"""<span class="who">公开数据</span>{_signin_form(csrf, back)}"""
    else:
        label = "省级" if found.key.role is Role.PROVINCE else "市级"
        who = f"""<span class="who">{label} · {html.escape(found.key.name)}</span>
<form method="post" action="/dashboard/signout" class="signout">
<input type="hidden" name="csrf" value="{html.escape(csrf)}">
<button type="submit">退出登录</button></form>"""
    message = _ERRORS.get(error or "")
    shown = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    config = html.escape(json.dumps({"csrf": csrf if found is not None else None, **scope}))
    return f"""{_head("辽宁志愿服务数据看板")}
<body data-config="{config}">
<header class="top">
  <h1>辽宁志愿服务数据看板 <small>百万志愿者圆百万微心愿</small></h1>
  <div class="account">{who}</div>
</header>
{shown}
<nav class="choosers" aria-label="筛选">
  <label>市 <select id="city"></select></label>
  <label>县（区） <select id="county"></select></label>
  <label>月份 <input type="month" id="month"></label>
  <label>起 <input type="date" id="from"></label>
  <label>止（不含） <input type="date" id="to"></label>
  <button type="button" id="all-time">全部时间</button>
  <a id="export" class="button" href="/dashboard/export.xlsx">导出报表 (Excel)</a>
</nav>
<p id="status" class="status" role="status">加载中…</p>
<main id="board">
  <section class="cards" id="stock" aria-label="心愿总览"></section>
  <section class="cards" id="flow" aria-label="本期流量"></section>
  <section class="cards small" id="network" aria-label="队伍与活动"></section>
  <section class="charts">
    <div class="panel wide"><h2 id="regions-title">各地心愿</h2><div class="chart" id="chart-regions"></div></div>
    <div class="panel wide"><h2 id="months-title">月度流量（按事件日期）</h2>
      <div class="chart" id="chart-months"></div></div>
    <div class="panel"><h2>心愿类别</h2><div class="chart" id="chart-categories"></div></div>
    <div class="panel"><h2>服务对象</h2><div class="chart" id="chart-groups"></div></div>
  </section>
  <section class="tables">
    <div class="panel"><h2>排行：圆梦率与超期</h2><table id="ranking"></table></div>
    <div class="panel"><h2>等待最久的心愿</h2><table id="oldest"></table></div>
    <div class="panel"><h2>数据来源</h2><table id="sources"></table></div>
  </section>
</main>
<dialog id="wish"><article id="wish-body"></article>
<form method="dialog"><button>关闭</button></form></dialog>
<script src="/dashboard/assets/echarts/echarts@{ECHARTS_VERSION}/echarts.min.js"></script>
<script src="/dashboard/assets/dashboard.js"></script>
</body></html>"""


# ---------------------------------------------------------------- signing in and out


async def _form(request: Request) -> dict[str, str]:
    """A small urlencoded form (the sign-in and sign-out posts); anything else is empty."""
    if request.headers.get("content-type", "").split(";")[0].strip() != _FORM:
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _FORM_LIMIT:
            return {}
    try:
        return dict(parse_qsl(body.decode("utf-8"), max_num_fields=8))
    except (UnicodeDecodeError, ValueError):
        return {}


async def signin(request: Request) -> Response:
    form = await _form(request)
    signer, _ = await _session(request)
    anonymous = request.cookies.get(ses.CSRF_COOKIE)
    if not signer.csrf_ok(form.get("csrf"), None, anonymous):
        return _back("csrf")
    security = _security(request)
    limiter = security.ip_limiter
    if limiter is not None and limiter.take(f"ip:{_address(request)}") > 0:
        return _back("busy")
    token = form.get("key", "").strip()
    identity = security.keys.identify(token) if token else None
    if identity is None or identity.key is None:
        log.warning("dashboard: refused a sign-in from %s", _address(request))
        return _back("key")
    if identity.key.role not in ses.DASHBOARD_ROLES:
        return _back("role")
    response = RedirectResponse(_next(form.get("next")), status_code=303)
    response.set_cookie(ses.COOKIE, signer.issue(identity.key), max_age=ses.LIFETIME_SECONDS,
                        httponly=True, samesite="strict", secure=_secure(request), path="/")
    response.delete_cookie(ses.CSRF_COOKIE, path="/dashboard")
    log.info("dashboard: %s signed in", identity.key.name)
    return response


async def signout(request: Request) -> Response:
    form = await _form(request)
    signer, found = await _session(request)
    if found is not None and not signer.csrf_ok(form.get("csrf"), found, None):
        return _back("csrf")
    response = RedirectResponse("/dashboard", status_code=303)
    response.delete_cookie(ses.COOKIE, path="/")
    return response


def _next(wanted: str | None) -> str:
    """Where to go after signing in: a dashboard address of this hub, nothing else."""
    if (not wanted or not (wanted == "/dashboard" or wanted.startswith("/dashboard?"))
            or len(wanted) > 300 or any(c in wanted for c in "\\\r\n")):
        return "/dashboard"
    return wanted


def _back(error: str) -> Response:
    return RedirectResponse(f"/dashboard?error={error}", status_code=303)


# ---------------------------------------------------------------- export


async def export(request: Request) -> Response:
    _, found = await _session(request)
    if found is None and not _security(request).settings.public_enabled:
        return _refused(401, "请先登录数据看板 / Sign in to the dashboard first.")
    caller = found.caller(_address(request)) if found is not None else None
    try:
        wanted = parse_request(request.query_params.get("region"), request.query_params.get("from"),
                          request.query_params.get("to"))
    except QueryError as exc:
        return _refused(400, str(exc))
    if not _allowed(caller, wanted.filter.region_code):
        return _refused(403, "此密钥只能导出本区划及下级的报表 / This key exports only its own "
                        "region and below.")
    async with request.app.state.pool.acquire() as conn:
        data = await build_workbook(conn, wanted)
    name = workbook_name(wanted)
    return Response(data, media_type=_XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"report.xlsx\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})


def _allowed(caller: Caller | None, region: str | None) -> bool:
    """A city key's person sees its own region and below; others see any."""
    if caller is None or caller.role is not Role.CITY:
        return True
    return caller.covers(region or _regions.PROVINCE_CODE)


def _refused(status: int, message: str) -> Response:
    return HTMLResponse(f"{_head('导出报表')}<body><main class=\"signin-box\"><p class=\"error\">"
                        f"{html.escape(message)}</p><p><a href=\"/dashboard\">返回数据看板</a></p>"
                        "</main></body></html>", status_code=status)


# ---------------------------------------------------------------- routes


class _Assets(StaticFiles):
    """The page's script and style, and ECharts (versioned: cached long)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


async def operations(request: Request) -> Response:
    return JSONResponse(manifest(), headers={"Cache-Control": "no-cache"})


def routes() -> list[BaseRoute]:
    return [
        Route("/dashboard", page, methods=["GET"]),
        Route("/dashboard/operations.json", operations, methods=["GET"]),
        Route("/dashboard/signin", signin, methods=["POST"]),
        Route("/dashboard/signout", signout, methods=["POST"]),
        Route("/dashboard/export.xlsx", export, methods=["GET"]),
        Mount("/dashboard/assets/echarts", app=_Assets(directory=STATIC / "echarts")),
        Mount("/dashboard/assets", app=_Assets(directory=STATIC / "dashboard")),
    ]
