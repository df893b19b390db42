"""``hub demo``'s configuration: public reads on, and a province key for the
operator views, printed once.

The demo writes its own ``hub.toml`` beside its database (``HUB_DATA_DIR/demo``)
and points ``HUB_CONFIG`` at it, so that trying the hub never edits the
operator's real configuration. The key is new on every run.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from hub.security.keyfile import key_table, write_atomically
from hub.security.keys import ApiKey, hash_token, new_token
from hub.security.roles import Role

DEMO_KEY = "demo-province"


def demo_config(directory: Path) -> str:
    """Write the demo's configuration, point ``HUB_CONFIG`` at it; returns the token."""
    directory.mkdir(parents=True, exist_ok=True)
    token = new_token()
    key = ApiKey(
        name=DEMO_KEY,
        role=Role.PROVINCE,
        sha256=hash_token(token),
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    text = (
        "# Written by `hub demo` on every start; edit your own HUB_CONFIG instead.\n\n"
        "[public]\nenabled = true\n\n"
        "[security.rate_limit]\nenabled = false\n\n"
        + key_table(key)
    )
    path = directory / "hub.toml"
    write_atomically(path, text)
    os.environ["HUB_CONFIG"] = str(path)
    return token
