"""Which media type a GraphQL response is sent as (GraphQL over HTTP, content negotiation)."""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

# Lower rank wins a tie in quality: a client naming both types explicitly
# gets the newer one, whose status codes say what went wrong.
_RANK = {GRAPHQL_RESPONSE: 0, JSON: 1}


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, or None when the client accepts neither.

    No ``Accept`` header, ``*/*`` and ``application/*`` mean ``application/json``
    (the spec's rule for clients written before the new type existed).
    """
    if accept is None or not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        quality = _quality(params)
        if quality <= 0:
            continue
        if media in _RANK:
            chosen = media
        elif media in ("*/*", "application/*"):
            chosen = JSON
        else:
            continue
        key = (-quality, _RANK[chosen], chosen)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def content_type(media: str) -> str:
    return f"{media}; charset=utf-8"


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value.strip()), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0
