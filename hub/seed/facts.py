"""What happened, before any platform writes it down.

The seed first decides the facts of each wish (where, what, for whom, when it
was claimed and fulfilled, by whom) and of each team and station; each
platform module then writes those facts in its own dialect. Everything is
drawn from a ``random.Random`` the caller seeds, so the same seed gives the
same facts.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, TypeVar

from hub.models import WishStatus
from hub.seed import words
from hub.seed.geo import County, Place

T = TypeVar("T")

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)

# Hours of the day (Beijing) people post wishes at, by relative frequency: a
# few arrive before 08:00, on the previous UTC day.
_HOUR_WEIGHTS = (0, 0, 0, 0, 0, 1, 2, 4, 8, 10, 10, 8, 5, 6, 9, 10, 9, 7, 5, 5, 4, 3, 1, 0)
_HOUR_CUM = tuple(math.fsum(_HOUR_WEIGHTS[: i + 1]) for i in range(24))


class Emission(NamedTuple):
    """One native record and the moment its platform sends it."""

    at: dt.datetime
    source: str
    record: dict[str, object]


@dataclass(frozen=True, slots=True)
class Claimer:
    kind: int  # 0 team, 1 person, 2 enterprise, 3 organisation (words.*_CLAIMERS order)
    name: str
    team_id: str | None
    at: dt.datetime


@dataclass(slots=True)
class WishFacts:
    n: int
    county: County
    town: Place
    village: Place
    title: str
    content: str
    category: str
    goods: bool
    group: str
    person: str  # full name as typed; platforms that mask get the masked form
    phone: str
    status: WishStatus
    submitted: dt.datetime
    claimed: dt.datetime | None = None
    fulfilled: dt.datetime | None = None
    ended: dt.datetime | None = None  # cancelled at
    claimers: list[Claimer] = field(default_factory=list)
    deleted: bool = False
    # An earlier (OPEN) version was sent before the final one.
    resend: bool = False

    @property
    def final_at(self) -> dt.datetime:
        """When the wish last changed (its newest version's time)."""
        times = [self.submitted + dt.timedelta(seconds=30)]
        times += [t for t in (self.claimed, self.fulfilled, self.ended) if t is not None]
        times += [c.at for c in self.claimers]
        return max(times)


@dataclass(frozen=True, slots=True)
class TeamFacts:
    id: str
    name: str
    service: str
    county: County
    members: int
    steady: bool = False  # the examples rely on it: never changed nor dissolved


# ---------------------------------------------------------------- drawing


class Weighted(Generic[T]):
    """A fixed weighted choice (cumulative weights, bisect)."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items: tuple[T, ...] = tuple(items)
        acc = 0.0
        cum = []
        for w in weights:
            acc += w
            cum.append(acc)
        self._cum = cum
        self._total = acc

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self._cum, rng.random() * self._total)]


# Claimants' kinds (``Claimer.kind``) by relative frequency.
CLAIMER_KINDS: Weighted[int] = Weighted(range(4), words.CLAIMER_WEIGHTS)


def moment(rng: random.Random, start: dt.datetime, now: dt.datetime) -> dt.datetime:
    """A submission time in [start, now) at an hour people post at."""
    days = (now - start).days
    while True:
        day = (start.astimezone(BEIJING) + DAY * rng.randrange(days + 1)).date()
        hour = bisect.bisect_right(_HOUR_CUM, rng.random() * _HOUR_CUM[-1])
        local = dt.datetime(day.year, day.month, day.day, min(hour, 23), rng.randrange(60),
                            rng.randrange(60), tzinfo=BEIJING)
        if start <= local < now:
            return local.astimezone(dt.UTC)


def full_name(rng: random.Random) -> str:
    surname = rng.choice(words.COMPOUND_SURNAMES) if rng.random() < 0.03 else rng.choice(
        words.SURNAMES)
    return surname + rng.choice(words.GIVEN_CHARS)


def masked(name: str) -> str:
    if name[:2] in words.COMPOUND_SURNAMES:
        return name[:2] + "某某"
    return name[0] + "某某"


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def id_number(rng: random.Random, county: str, born: int) -> str:
    """Shaped like a 居民身份证 number (never a real one: the check digit is random)."""
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    tail = "".join(rng.choice("0123456789") for _ in range(3)) + rng.choice("0123456789X")
    return f"{county}{born:04d}{month:02d}{day:02d}{tail}"


def enterprise(rng: random.Random, city: str) -> str:
    return city.removesuffix("市") + rng.choice(words.ENTERPRISE_STEMS) + rng.choice(
        words.ENTERPRISES)


def organisation(rng: random.Random, town: Place, county: County) -> str:
    kind = rng.choice(words.ORGANISATIONS)
    if kind in ("妇联", "团委", "工会"):
        return county.name + kind
    if kind == "办事处":
        return town.name.removesuffix("街道") + "街道办事处" if town.name.endswith(
            "街道") else town.name + "人民政府"
    return town.name + kind


# ---------------------------------------------------------------- a wish's life


@dataclass(frozen=True, slots=True)
class Life:
    status: WishStatus
    claimed: dt.datetime | None
    fulfilled: dt.datetime | None
    ended: dt.datetime | None


def _hours(h: float) -> dt.timedelta:
    return dt.timedelta(seconds=round(h * 3600))


def _claim_delay(rng: random.Random) -> dt.timedelta:
    # Most wishes find a claimer within a day or two; a third wait weeks.
    if rng.random() < 0.64:
        return _hours(rng.lognormvariate(math.log(20), 1.1) + 0.05)
    return _hours(rng.lognormvariate(math.log(2200), 1.0))


def _delivery_delay(rng: random.Random) -> dt.timedelta:
    if rng.random() < 0.66:
        return _hours(rng.lognormvariate(math.log(60), 0.9) + 0.2)
    return _hours(rng.lognormvariate(math.log(2600), 0.9))


def life(
    rng: random.Random,
    submitted: dt.datetime,
    now: dt.datetime,
    *,
    forced: WishStatus | None = None,
    pending_allowed: bool = True,
) -> Life:
    """Status and times of a wish submitted at ``submitted``, as of ``now``.

    ``forced`` makes the wish end in that status (times squeezed before
    ``now``); otherwise the status follows from random delays, calibrated so
    that about two thirds of a year's wishes are fulfilled.
    """
    age = now - submitted
    status = forced
    if status is None:
        if pending_allowed and ((age < 2 * DAY and rng.random() < 0.3) or rng.random() < 0.015):
            status = WishStatus.PENDING
        elif rng.random() < 0.06:
            status = WishStatus.CANCELLED
    if status is WishStatus.PENDING:
        return Life(status, None, None, None)
    if status is WishStatus.CANCELLED:
        ended = submitted + min(_hours(rng.expovariate(1 / 72) + 0.1), age * 0.9)
        return Life(status, None, None, ended)
    claim = _claim_delay(rng)
    if forced is WishStatus.OPEN:
        return Life(WishStatus.OPEN, None, None, None)
    if forced is not None:
        claim = min(claim, age * 0.4)
    claimed = submitted + claim
    if claimed >= now:
        return Life(WishStatus.OPEN, None, None, None)
    delivery = _delivery_delay(rng)
    if forced is WishStatus.CLAIMED:
        return Life(WishStatus.CLAIMED, claimed, None, None)
    if forced is not None:
        delivery = min(delivery, (now - claimed) * 0.5)
    fulfilled = claimed + delivery
    if fulfilled >= now:
        return Life(WishStatus.CLAIMED, claimed, None, None)
    return Life(WishStatus.FULFILLED, claimed, fulfilled, None)


# ---------------------------------------------------------------- formats


def beijing_text(t: dt.datetime) -> str:
    return t.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def iso_beijing(t: dt.datetime) -> str:
    return t.astimezone(BEIJING).replace(microsecond=0).isoformat()


def iso_utc(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(t: dt.datetime) -> int:
    return int(t.timestamp() * 1000)


def beijing_date(t: dt.datetime) -> dt.date:
    return t.astimezone(BEIJING).date()
