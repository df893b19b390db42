"""Statistics types: exact figures for the provincial office.

Figures come from ``hub.stats`` (SQL over rollups kept in step with the
records, in the same transaction); these types only expose them.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

import strawberry
from strawberry.types import Info

from resolvers import stats as r
from schema.enums import BeneficiaryGroup, WishCategory
from schema.executor import PLAIN_WITHOUT_ARGUMENTS
from schema.types import Region

if TYPE_CHECKING:
    from resolvers.context import Context

    CtxInfo = Info[Context, None]
else:
    CtxInfo = Info


@strawberry.input(
    description="统计筛选。日期为北京时间的日历日 / Statistics filter. Dates are calendar days "
    "in Beijing time (Asia/Shanghai)."
)
class StatsFilter:
    region_code: str | None = strawberry.field(
        default=None, description="任一层级区划，默认全省 / Any level; default: the whole province."
    )
    from_: dt.date | None = strawberry.field(
        default=None,
        name="from",
        description="起始日（含），按心愿提交日 / 活动日期 / Inclusive, by submitted date or "
        "activity date.",
    )
    to: dt.date | None = strawberry.field(default=None, description="截止日（不含）/ Exclusive.")
    category: WishCategory | None = None
    beneficiary_group: BeneficiaryGroup | None = None
    source_code: str | None = None


@strawberry.enum(description="时间粒度；周从周一开始 / Bucket size; weeks start on Monday.")
class Granularity(Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    YEAR = "YEAR"


@strawberry.type(description="心愿统计 / Wish figures for the filter.")
class WishStats:
    submitted: int = strawberry.field(description="征集总数（任意状态）/ All wishes, any status.")
    open: int = strawberry.field(description="待认领 / OPEN now.")
    claimed: int = strawberry.field(description="已认领（当前状态）/ CLAIMED now.")
    fulfilled: int = strawberry.field(description="已圆梦 / FULFILLED.")
    cancelled: int = strawberry.field(description="已撤销 / CANCELLED.")
    fulfillment_rate: float = strawberry.field(
        description="圆梦率 = 已圆梦 / (总数 − 已撤销)，分母为 0 时为 0 / fulfilled / "
        "(submitted - cancelled); 0 when that is 0."
    )
    median_hours_to_claim: float | None = strawberry.field(
        description="提交到认领的中位小时数，按 1 小时分桶的直方图计算 / Median hours from "
        "submission to claim, over wishes with claimedAt; computed from pre-aggregated "
        "histograms at a resolution of one hour."
    )
    median_hours_to_fulfill: float | None = strawberry.field(
        description="提交到圆梦的中位小时数，按 1 小时分桶的直方图计算 / Median hours from "
        "submission to fulfilment; from pre-aggregated histograms at one-hour resolution."
    )
    _filter: strawberry.Private[Any]
    _overdue_default: strawberry.Private[int]
    # Where these figures came from (one row of a statsByRegion, one point of a
    # statsSeries, or alone): ``overdue(days)`` of a whole list is one query.
    _batch: strawberry.Private[Any]

    @strawberry.field(
        description="逾期未认领：待认领且提交早于 days 天前 / OPEN and submitted more than "
        "`days` days before today (Beijing calendar days).",
        metadata={PLAIN_WITHOUT_ARGUMENTS: "_overdue_default"},
    )
    def overdue(self, info: CtxInfo, days: int = r.OVERDUE_DAYS) -> int:
        # The default was counted with the other figures: returned as is, not
        # as a coroutine (365 of them in a year of days). Any other ``days``
        # is counted now; graphql-core awaits what a resolver returns.
        if days == r.OVERDUE_DAYS:
            return self._overdue_default
        batch, member = self._batch
        return cast(int, r.overdue(info.context, r.Figures(None, self._filter, batch, member), days))


@strawberry.type(description="活动统计 / Activity figures for the filter.")
class ActivityStats:
    activities: int = strawberry.field(description="活动数 / Activities.")
    sessions: int = strawberry.field(description="场次 / Sessions.")
    volunteer_attendances: int = strawberry.field(description="志愿者参与人次 / Attendances.")
    beneficiaries: int = strawberry.field(description="受惠群众人次 / People served.")
    volunteer_hours: float = strawberry.field(description="服务时长（小时）/ Hours.")


@strawberry.type(description="统计 / Figures for a filter.")
class Stats:
    wishes: WishStats
    activities: ActivityStats
    teams: int = strawberry.field(description="队伍数（不按日期筛选）/ Teams in the region.")
    team_members: int = strawberry.field(
        description="队员数（不按日期筛选）/ Members of those teams."
    )
    stations: int = strawberry.field(description="阵地数（不按日期筛选）/ Stations in the region.")


@strawberry.type(description="某区划的统计 / Figures of one region.")
class RegionStats:
    region: Region
    stats: Stats


@strawberry.type(description="时间序列的一点 / One bucket of a series.")
class SeriesPoint:
    start: dt.date = strawberry.field(description="该时段第一天 / First day of the bucket.")
    stats: Stats


def wrap(figures: r.Figures) -> Stats:
    """The schema's figures over the hub's."""
    w, a = figures.result.wishes, figures.result.activities
    return Stats(
        wishes=WishStats(
            submitted=w.submitted,
            open=w.open,
            claimed=w.claimed,
            fulfilled=w.fulfilled,
            cancelled=w.cancelled,
            fulfillment_rate=w.fulfillment_rate,
            median_hours_to_claim=w.median_hours_to_claim,
            median_hours_to_fulfill=w.median_hours_to_fulfill,
            _filter=figures.filter,
            _overdue_default=w.overdue,
            _batch=(figures.batch, figures.member),
        ),
        activities=ActivityStats(
            activities=a.activities,
            sessions=a.sessions,
            volunteer_attendances=a.volunteer_attendances,
            beneficiaries=a.beneficiaries,
            volunteer_hours=a.volunteer_hours,
        ),
        teams=figures.result.teams,
        team_members=figures.result.team_members,
        stations=figures.result.stations,
    )
