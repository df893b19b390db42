"""Team matching (群众点单、专业制单、志愿送单): which teams suit a wish, and why.

A team's score for a wish is the sum of three parts, each explained to the
operator in words (``reasons``):

* **service fit** (0–40): the wish's category against the team's field of
  service, through ``FIT`` below: the field that serves such wishes (40),
  a field that often helps with them (20), a general team (field OTHER: 10),
  any other field (0);
* **nearness** (0–40) in the region tree, the team's region against the
  beneficiary's: the same village or community (40), town (30), county (20),
  city (10), elsewhere in the province (0);
* **current load** (0 down to −20): the team's open claims (claimed, not yet
  fulfilled) and open dispatches (派单 not yet claimed), per registered
  member: ``−min(20, round(50 × load / members))``, so that 2 open wishes
  cost a 10-member team 10 points, a 50-member team 2.

Candidates are the teams of the wish's city while the wish is handled at
county or city level; once it is escalated to the province (上下联动: then
any team may take it) also the teams of other cities whose field fits the
wish or is general (one of another city and another field would score 0 at
best). Of those, the 200 with the best fit and nearness (the larger team
first on a tie) are weighed by load: load can take at most 20 points, so a
team outside them could only win where more than 200 teams tie within 20
points of the best, and among such equals the larger teams are a fair
choice.

The arithmetic runs in SQL (``hub.sql.matching``), one statement for a whole
list of wishes, with the points of this module as parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from hub import read
from hub.models import (
    Fit,
    Nearness,
    ServiceCategory,
    TeamSuggestion,
    WishCategory,
)
from hub.sql import matching as q

MAX_FIRST = 20
CANDIDATES = 200

_S = ServiceCategory
# Wish category -> (the field that serves it, fields that often help with it).
FIT: dict[WishCategory, tuple[ServiceCategory | None, tuple[ServiceCategory, ...]]] = {
    WishCategory.STUDY_SUPPLIES: (_S.EDUCATION, (_S.RELIEF,)),  # 学习用品: 助学
    WishCategory.SPORTS_CULTURE: (_S.CULTURE_ARTS, (_S.HEALTH_FITNESS,)),
    WishCategory.BOOKS: (_S.EDUCATION, (_S.CULTURE_ARTS,)),
    WishCategory.MEDICAL_DEVICES: (_S.HEALTH_FITNESS, (_S.RELIEF,)),
    WishCategory.FOOD_MEDICINE: (_S.RELIEF, (_S.HEALTH_FITNESS,)),
    WishCategory.CLOTHING: (_S.RELIEF, ()),
    WishCategory.HOUSEHOLD: (_S.RELIEF, ()),
    WishCategory.POLICY_TALK: (_S.POLICY_OUTREACH, ()),
    WishCategory.PERFORMANCE: (_S.CULTURE_ARTS, ()),
    WishCategory.TUTORING: (_S.EDUCATION, (_S.SCIENCE,)),
    WishCategory.SCIENCE_TALK: (_S.SCIENCE, (_S.EDUCATION,)),
    WishCategory.LEGAL_AID: (_S.LEGAL, ()),
    WishCategory.SANITATION: (_S.ENVIRONMENT, (_S.HEALTH_FITNESS,)),
    WishCategory.HOUSEKEEPING: (_S.RELIEF, (_S.EDUCATION,)),  # 家政培训: 技能帮扶
    WishCategory.PRODUCTION_HELP: (_S.RELIEF, (_S.SCIENCE,)),  # 生产求助: 科技助农
    WishCategory.LIVING_HELP: (_S.RELIEF, ()),
    WishCategory.MEDICAL_HELP: (_S.HEALTH_FITNESS, (_S.RELIEF,)),
    WishCategory.OTHER: (None, (_S.RELIEF,)),
}

FIT_POINTS = {Fit.PRIMARY: 40, Fit.SECONDARY: 20, Fit.GENERAL: 10, Fit.NONE: 0}
NEAR_POINTS = {Nearness.VILLAGE: 40, Nearness.TOWN: 30, Nearness.COUNTY: 20,
               Nearness.CITY: 10, Nearness.PROVINCE: 0}
LOAD_PER_MEMBER = 50  # points per open wish per member ...
LOAD_MAX = 20  # ... at most

# The words an operator reads.
SERVICE_LABELS = {
    _S.POLICY_OUTREACH: "理论政策宣讲", _S.CULTURE_ARTS: "文化艺术服务", _S.EDUCATION: "助学支教",
    _S.HEALTH_FITNESS: "医疗健身", _S.SCIENCE: "科学普及", _S.LEGAL: "法律服务",
    _S.ENVIRONMENT: "卫生环保", _S.RELIEF: "扶危帮困", _S.OTHER: "综合",
}  # fmt: skip
NEAR_LABELS = {
    Nearness.VILLAGE: "同一村（社区）", Nearness.TOWN: "同一乡镇", Nearness.COUNTY: "同一县区",
    Nearness.CITY: "同一城市", Nearness.PROVINCE: "省内其他城市",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _FitTable:
    """``FIT`` as the statement's parallel arrays, with the points of each pair."""

    wish: list[str]
    team: list[str]
    points: list[int]


def _fit_table() -> _FitTable:
    table = _FitTable([], [], [])
    for wish, (primary, helping) in FIT.items():
        pairs = [(primary, Fit.PRIMARY)] if primary is not None else []
        pairs += [(s, Fit.SECONDARY) for s in helping]
        pairs.append((ServiceCategory.OTHER, Fit.GENERAL))
        for service, fit in pairs:
            table.wish.append(wish.value)
            table.team.append(service.value)
            table.points.append(FIT_POINTS[fit])
    return table


_TABLE = _fit_table()
_NEAR_ORDER = [NEAR_POINTS[n] for n in
               (Nearness.VILLAGE, Nearness.TOWN, Nearness.COUNTY, Nearness.CITY, Nearness.PROVINCE)]


def fit_of(wish: WishCategory, team: ServiceCategory) -> Fit:
    primary, helping = FIT[wish]
    if team is primary:
        return Fit.PRIMARY
    if team in helping:
        return Fit.SECONDARY
    if team is ServiceCategory.OTHER:
        return Fit.GENERAL
    return Fit.NONE


def reasons(fit: Fit, nearness: Nearness, team_category: ServiceCategory,
            open_claims: int, open_dispatches: int, members: int) -> tuple[str, ...]:
    """The score in words, in the order of its parts."""
    label = SERVICE_LABELS[team_category]
    fit_words = {
        Fit.PRIMARY: f"{label}队伍",
        Fit.SECONDARY: f"{label}队伍（相关领域）",
        Fit.GENERAL: "综合类队伍",
        Fit.NONE: f"{label}队伍（领域不对口）",
    }[fit]
    out = [fit_words, NEAR_LABELS[nearness]]
    out.append(f"当前认领 {open_claims} 个" if open_claims else "当前无未完成认领")
    if open_dispatches:
        out.append(f"已派单 {open_dispatches} 个")
    out.append(f"队员 {members} 人")
    return tuple(out)


def parameters(wanted: Sequence[tuple[int, int]]) -> tuple[object, ...]:
    """The parameters of ``hub.sql.matching.SUGGESTIONS`` for (wish id, how many) pairs."""
    return (
        [w for w, _ in wanted], [n for _, n in wanted],
        _TABLE.wish, _TABLE.team, _TABLE.points,
        _NEAR_ORDER, LOAD_PER_MEMBER, LOAD_MAX, CANDIDATES,
    )


async def suggestions(
    conn: asyncpg.Pool | asyncpg.Connection, wanted: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], list[TeamSuggestion]]:
    """The best teams for each (wish id, how many), with one statement for all.

    A wish that is not visible (deleted, hidden) has none.
    """
    out: dict[tuple[int, int], list[TeamSuggestion]] = {key: [] for key in wanted}
    if not wanted:
        return out
    rows = await conn.fetch(q.SUGGESTIONS, *parameters(wanted))
    for r in rows:
        team = read.team_from_row(r)
        fit = fit_of(WishCategory(r["wish_category"]), team.category)
        nearness = Nearness(r["nearness"])
        out[(r["wish_id"], r["wanted"])].append(TeamSuggestion(
            wish_id=r["wish_id"], team=team, score=r["score"], fit=fit, nearness=nearness,
            open_claims=r["open_claims"], open_dispatches=r["open_dispatches"],
            reasons=reasons(fit, nearness, team.category, r["open_claims"],
                            r["open_dispatches"], team.member_count),
        ))
    return out
