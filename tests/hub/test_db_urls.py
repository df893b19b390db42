"""``DATABASE_URL``'s ``pgbouncer`` parameter: read by the hub, never sent to PostgreSQL."""

from __future__ import annotations

import pytest

from hub.db import split_bouncer


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://hub@db/hub", ("postgresql://hub@db/hub", False)),
    ("postgresql://hub@pgb:6432/hub?pgbouncer=true", ("postgresql://hub@pgb:6432/hub", True)),
    ("postgresql://hub@/hub?host=/run/pg&pgbouncer=true&sslmode=disable",
     ("postgresql://hub@/hub?host=/run/pg&sslmode=disable", True)),
    ("postgresql://hub@pgb/hub?pgbouncer=false", ("postgresql://hub@pgb/hub", False)),
    ("postgresql://hub@db/hub?host=/run/pg", ("postgresql://hub@db/hub?host=/run/pg", False)),
])
def test_the_bouncer_parameter_is_read_and_removed(url: str, expected: tuple[str, bool]) -> None:
    assert split_bouncer(url) == expected
