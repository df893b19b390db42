"""A connection serves at most ``[server] keepalive_requests`` requests (default 1000).

With ``hub serve --workers N`` every worker accepts on one shared socket, and
asyncio accepts every pending connection in one go when its worker wakes: 8
keep-alive connections opened at once all landed on one of two workers here
(``docs/reliability.md``), and stayed there, since a keep-alive connection is
never accepted again. So the answer to a connection's ``keepalive_requests``-th
request (less up to half of it, differing from one connection to the next,
so that connections opened together are not reopened together) says
``Connection: close`` (uvicorn then closes it after the answer);
the client reconnects and the kernel hands the new connection to whichever
worker accepts first, so long-lived clients spread over the workers within a
few hundred requests each instead of never. ``0`` turns this off.

The count is per client address and port (one TCP connection) in a bounded
table: a connection that closes early leaves an entry that ages out.
"""

from __future__ import annotations

from collections import OrderedDict

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.config import ServerSettings

DEFAULT_KEEPALIVE_REQUESTS = ServerSettings().keepalive_requests
_TRACKED = 10_000  # connections remembered per worker (about 1 MB at most)


class KeepAliveLimit:
    def __init__(self, app: ASGIApp, max_requests: int = DEFAULT_KEEPALIVE_REQUESTS) -> None:
        self.app = app
        self.max_requests = max_requests
        self._served: OrderedDict[tuple[str, int], int] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or self.max_requests <= 0 or not client:
            await self.app(scope, receive, send)
            return
        if not self._last_on_connection((str(client[0]), int(client[1]))):
            await self.app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["connection"] = "close"
            await send(message)

        await self.app(scope, receive, closing)

    def _last_on_connection(self, connection: tuple[str, int]) -> bool:
        served = self._served.pop(connection, 0) + 1
        # Between half the limit and the limit, fixed per connection: connections
        # opened together are not closed together, to be accepted again in a burst.
        half = self.max_requests // 2
        if served >= self.max_requests - hash(connection) % (half + 1):
            return True
        self._served[connection] = served
        if len(self._served) > _TRACKED:
            self._served.popitem(last=False)
        return False
