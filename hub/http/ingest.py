"""``POST /ingest/{code}``: platforms push their native bodies here.

The rules are fixed by ``shared/platforms/README.md``: a bearer token names
the source (401 when unknown), ``X-Hub-Signature-256`` is an HMAC-SHA256 of
the raw body with the source's secret (401 when missing or wrong, compared in
constant time), a body over ``[ingest] max_body_bytes`` (default 10 MiB) is
413, a body that is not the platform's envelope 400 (and kept as a dead
letter), otherwise 200 with the delivery's report. A source whose people
fill in a file (盘锦's ledger) has its blank template at
``GET /ingest/{code}/{filename}``, without a key.

Every refusal is a JSON body ``{"error": <what to change>, "code": <CODE>}``
(plus ``"deadLetter": true`` when the body was kept): ``UNKNOWN_SOURCE``,
``UNAUTHENTICATED``, ``BAD_SIGNATURE``, ``BAD_CONTENT_LENGTH``,
``BODY_TOO_LARGE``, ``BODY_NOT_UTF8``, ``BODY_NOT_JSON``, ``BODY_TOO_DEEP``,
``NOT_ENVELOPE``, ``PLATFORM_ERROR``, ``SERVICE_UNAVAILABLE``.

Checks run cheapest first, and the body is read only once the headers pass:
a stranger cannot make the hub buffer 10 MiB.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import adapters
from hub.config import Config
from hub.errors import AdapterError, DatabaseError, DatabaseUnavailable, IngestError
from hub.http import reads, unavailable
from hub.http.body import BadContentLength, BodyTooLarge, ClientGone, read_body
from hub.ingest import ingest
from hub.privacy import safe_message

log = logging.getLogger("hub.http.ingest")

_SIGNATURE_PREFIX = "sha256="


async def ingest_endpoint(request: Request) -> Response:
    code = request.path_params["code"]
    if code not in adapters.REGISTRY:
        return _error(404, f"no source is called {code[:40]!r}", "UNKNOWN_SOURCE")
    config: Config = request.app.state.config
    source = config.sources.get(code)
    token = _bearer(request.headers.get("authorization"))
    if (
        source is None
        or not source.token
        or not source.secret
        or token is None
        or not hmac.compare_digest(token.encode(), source.token.encode())
    ):
        log.warning("%s: push refused: unknown token", code)
        return _error(401, "unknown token for this source", "UNAUTHENTICATED")
    signature = request.headers.get("x-hub-signature-256", "")
    if not signature.startswith(_SIGNATURE_PREFIX):
        return _error(401, "missing X-Hub-Signature-256: sha256=<hex>", "BAD_SIGNATURE")

    limit = config.ingest.max_body_bytes
    try:
        body = await read_body(request.headers.raw, request.receive, limit)
    except BadContentLength:
        return _error(400, "bad Content-Length", "BAD_CONTENT_LENGTH")
    except BodyTooLarge:
        return _too_large(limit)
    except ClientGone:
        body = b""  # nobody to answer; the signature check refuses it

    expected = hmac.new(source.secret.encode(), body, hashlib.sha256).hexdigest()
    given = signature[len(_SIGNATURE_PREFIX):].strip().lower()
    if not hmac.compare_digest(expected.encode(), given.encode("ascii", "replace")):
        log.warning("%s: push refused: signature does not match", code)
        return _error(401, "X-Hub-Signature-256 does not match the body", "BAD_SIGNATURE")

    try:
        report = await ingest(request.app.state.pool, code, body, via="push")
    except AdapterError as exc:
        return _error(400, safe_message(str(exc)), exc.error_code, kept=True)
    except IngestError as exc:
        return _error(exc.status, safe_message(str(exc)), exc.error_code)
    except DatabaseUnavailable:
        return unavailable.response(request.url.path)
    except DatabaseError as exc:
        log.error("%s: push failed: %s", code, exc)
        return _error(503, "the hub could not store this delivery now; send it again later",
                      "SERVICE_UNAVAILABLE")
    response = JSONResponse(report.to_json())
    request.state.ingest_source = code
    await reads.wrote(request, response)
    return response


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _too_large(limit: int) -> Response:
    return _error(413, f"body is larger than {limit} bytes", "BODY_TOO_LARGE")


def _error(status: int, message: str, code: str, *, kept: bool = False) -> Response:
    body: dict[str, object] = {"error": message, "code": code}
    if kept:
        body["deadLetter"] = True
    return JSONResponse(body, status_code=status)


async def template_endpoint(request: Request) -> Response:
    """A source's blank file (``Platform.template``): no key needed, it holds no data."""
    platform = adapters.REGISTRY.get(request.path_params["code"])
    template = None if platform is None else platform.template
    if template is None or request.path_params["filename"] != template.filename:
        return _error(404, "no such template", "NO_TEMPLATE")
    return Response(template.build(), media_type=template.media_type, headers={
        "Content-Disposition": f'attachment; filename="{platform.code if platform else ""}-{template.filename}"',
        "Cache-Control": "public, max-age=3600",
    })


routes: list[Route] = [
    Route("/ingest/{code}", ingest_endpoint, methods=["POST"]),
    Route("/ingest/{code}/{filename}", template_endpoint, methods=["GET"]),
]
