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

from hub.stats_flow import FLOW_DESCRIPTION
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
        description="起始日（含），按心愿提交日 / 活动日期；flow 按各事件日期 / Inclusive, by "
        "submitted date or activity date; `flow` by each event's own date.",
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


@strawberry.type(
    description="上下联动与组织派单（当前状态）/ Wishes the offices took in hand, as they are now: "
    "handled above county level, or dispatched to a team."
)
class EscalationStats:
    city: int = strawberry.field(description="当前由市级负责 / Handled at CITY level now.")
    province: int = strawberry.field(description="当前由省级负责 / Handled at PROVINCE level now.")
    dispatched: int = strawberry.field(
        description="当前已派单、待队伍认领 / With a current dispatch (not yet claimed)."
    )


@strawberry.type(
    description="本期流量：按事件自身日期计数 / Wish events by their own date: how many wishes "
    "were submitted, claimed, fulfilled and cancelled in the period (Beijing calendar days), "
    "whenever they were submitted. In a series, each point's own bucket (within `from`/`to`)."
)
class WishFlow:
    submitted: int = strawberry.field(
        description="本期征集：提交日在本期 / Submitted in the period (as `WishStats.submitted`)."
    )
    claimed: int = strawberry.field(
        description="本期认领：首次认领日在本期（无论现状）/ First claimed in the period, whatever "
        "the wish's status now."
    )
    fulfilled: int = strawberry.field(description="本期圆梦：圆梦日在本期 / Fulfilled in the period.")
    cancelled: int = strawberry.field(
        description="本期撤销：枢纽首次收到其撤销状态的日期在本期（平台不报撤销时间）/ Cancelled "
        "in the period: the day the hub first stored the wish as cancelled (platforms send no "
        "time of cancellation)."
    )


@strawberry.type(
    description="心愿统计 / Wish figures for the filter. 存量口径：统计本期提交的心愿及其当前状态"
    "（如“已认领”指现在仍为已认领）；按事件日期计数的本期流量见 flow / Stock figures: the wishes "
    "submitted in the period, in the state they are in now (`claimed` = CLAIMED now); `flow` "
    "counts each event on its own date instead."
)
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
    # The flow figures when the list's resolver counted them with the rest
    # (read as a plain attribute, see ``flow``); None: counted on demand.
    _flow: strawberry.Private[Any] = None

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

    @strawberry.field(
        description="已上报（按当前负责层级）与已派单的心愿数 / Escalated wishes by the level "
        "handling them now, and dispatched ones; the same filter as the other figures."
    )
    def escalated(self, info: CtxInfo) -> EscalationStats:
        batch, member = self._batch
        return r.escalated(info.context, r.Figures(None, self._filter, batch, member))

    @strawberry.field(description=FLOW_DESCRIPTION, metadata={PLAIN_WITHOUT_ARGUMENTS: "_flow"})
    def flow(self, info: CtxInfo) -> WishFlow:
        # Counted with the other figures when the query asks for it (``_flow``,
        # read without a resolver call: 365 points of a daily series); else here,
        # one statement for every row or point of a list (a DataLoader).
        batch, member = self._batch
        return cast(WishFlow, r.flow(info.context, r.Figures(None, self._filter, batch, member)))


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
            _flow=figures.flow,
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
