"""Operator fields and mutations: dead letters, orphan blue cards, source
failures, the audit log; escalating a wish, replaying dead letters.

They need a ``province`` key, or a ``city`` key for its own region and below
(``resolvers.operator`` checks); any other caller gets a GraphQL error on the
field, never an empty list that would look like data. The fields are
nullable so that such an error leaves the rest of the answer intact.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import operator as r
from schema.enums import ClaimantKind, RegionLevel
from schema.types import Source, Wish

if TYPE_CHECKING:
    from resolvers.context import Context

    CtxInfo = Info[Context, None]
else:
    CtxInfo = Info

_OPERATOR = (
    "运维数据：省级密钥，或本区划的市级密钥 / Operator data: a province key, or a city key for "
    "its own region and below. "
)
_FIRST = "条数，0–100 / How many, 0 to 100."


@strawberry.type(description="拒收的记录或无法解析的报文，待修复后重放 / A rejected record, or a "
                 "body the adapter could not read, kept for replay. Personal data removed.")
class DeadLetter:
    received_at: dt.datetime = strawberry.field(description="收到时间 / When it arrived.")
    record_index: int | None = strawberry.field(description="在批次中的序号 / Index in its batch.")
    source_id: str | None = strawberry.field(description="来源平台上的编号 / Id on its platform.")
    field: str | None = strawberry.field(description="出错的字段 / The field at fault.")
    reason: str = strawberry.field(description="拒收原因 / Why it was rejected.")
    replayed_at: dt.datetime | None = strawberry.field(description="最近重放时间 / Last replay.")
    resolved: bool = strawberry.field(description="已重放成功 / Landed on a replay.")
    whole_body: bool = strawberry.field(description="整个报文无法解析 / The whole body was unreadable.")
    times: int = strawberry.field(description="收到次数：同一记录重发仍被拒收时计数 / How many times this same "
                                  "record arrived and was rejected (re-sent records count, not repeat).")
    last_received_at: dt.datetime | None = strawberry.field(
        description="最近一次收到时间 / When it last arrived.")
    source: strawberry.Private[str]

    @strawberry.field(description="编号，用于 replayDeadLetters(letterId:) / Its number.")
    def id(self, root: strawberry.Parent[Any]) -> strawberry.ID:
        return strawberry.ID(str(root.id))

    @strawberry.field(description="来源平台代码 / The source's code.")
    def source_code(self) -> str:
        return self.source


@strawberry.type(description="葫芦岛蓝卡（如愿卡），其粉码（许愿码）尚未到达 / A 葫芦岛 blue card "
                 "whose pink code (the wish) has not arrived yet.")
class OrphanCard:
    wish_ref: str = strawberry.field(description="所认领的粉码 / The pink code it claims.")
    claimant_kind: ClaimantKind = strawberry.field(description="认领方类型 / Who claimed.")
    fulfilled: bool = strawberry.field(description="已圆梦 / Marked fulfilled.")
    at: dt.datetime = strawberry.field(description="认领或圆梦时间 / When.")
    received_at: dt.datetime = strawberry.field(description="收到时间 / When it arrived.")
    source: strawberry.Private[str]
    source_id: strawberry.Private[str]

    @strawberry.field(description="来源平台代码 / The source's code.")
    def source_code(self) -> str:
        return self.source

    @strawberry.field(description="蓝卡编号 / The card's id.")
    def card_id(self) -> str:
        return self.source_id


@strawberry.type(description="来源平台最近的失败 / A source's latest failure.")
class SourceFailure:
    source: Source
    last_failure_at: dt.datetime | None = strawberry.field(description="最近失败时间 / When.")
    last_failure: str | None = strawberry.field(description="失败详情 / What failed.")
    last_success_at: dt.datetime | None = strawberry.field(description="最近成功 / Last success.")


@strawberry.type(description="审计日志的一条（只增不改）/ An entry of the append-only audit log.")
class AuditEntry:
    at: dt.datetime
    actor: str = strawberry.field(description="密钥名称、source:代码 或 cli:用户 / Who.")
    role: str = strawberry.field(description="province | city | viewer | public | source | cli")
    action: str = strawberry.field(description="batch.push, replay, mutation.escalateWish, key.add …")
    target: str | None = strawberry.field(description="对象 / What it acted on.")
    region_code: str | None = strawberry.field(description="涉及的区划 / Region it touched.")
    outcome: str = strawberry.field(description="ok | denied | failed")
    detail: str = strawberry.field(description="JSON 细节（数字与代码）/ JSON details.")

    @strawberry.field(description="编号，越新越大 / Its number; newer is larger.")
    def id(self, root: strawberry.Parent[Any]) -> strawberry.ID:
        return strawberry.ID(str(root.id))


@strawberry.type(description="一条记录的重放结果 / What became of one replayed letter.")
class ReplayOutcome:
    source_id: str | None
    outcome: str = strawberry.field(description="landed | rejected | unreadable | not replayable")
    reason: str | None

    @strawberry.field(description="拒收记录编号 / The letter's number.")
    def letter_id(self, root: strawberry.Parent[Any]) -> strawberry.ID:
        return strawberry.ID(str(root.letter_id))


@strawberry.type(description="重放结果 / The outcome of a replay.")
class ReplayReport:
    replayed: int = strawberry.field(description="重放的记录数 / Letters replayed.")
    landed: int = strawberry.field(description="成功入库 / Now stored (resolved).")
    rejected: int = strawberry.field(description="仍被拒收 / Still rejected.")
    outcomes: list[ReplayOutcome] = strawberry.field(description="前 100 条 / The first 100.")


@strawberry.type
class OperatorQuery:
    @strawberry.field(description=_OPERATOR + "拒收记录，新的在前 / Dead letters, newest first.")
    async def dead_letters(
        self,
        info: CtxInfo,
        source: str | None = None,
        include_resolved: bool = False,
        first: Annotated[int, strawberry.argument(description=_FIRST)] = 50,
    ) -> list[DeadLetter] | None:
        return await r.dead_letters(info.context, source, include_resolved, first)

    @strawberry.field(description=_OPERATOR + "等待粉码的蓝卡 / Blue cards waiting for their wish.")
    async def orphan_cards(
        self,
        info: CtxInfo,
        source: str | None = None,
        first: Annotated[int, strawberry.argument(description=_FIRST)] = 50,
    ) -> list[OrphanCard] | None:
        return await r.orphan_cards(info.context, source, first)

    @strawberry.field(description=_OPERATOR + "来源平台的失败详情 / Sources' failure details.")
    async def source_failures(self, info: CtxInfo) -> list[SourceFailure] | None:
        return await r.source_failures(info.context)

    @strawberry.field(
        description=_OPERATOR + "审计日志，新的在前；before 为上一页最后一条的 id / The audit "
        "log, newest first; `before`: the last id of the previous page."
    )
    async def audit_log(
        self,
        info: CtxInfo,
        first: Annotated[int, strawberry.argument(description=_FIRST)] = 50,
        before: strawberry.ID | None = None,
        action_prefix: str | None = None,
        region_code: str | None = None,
    ) -> list[AuditEntry] | None:
        return await r.audit_log(info.context, first, before, action_prefix, region_code)


@strawberry.type(description="写操作：省级密钥，或本区划的市级密钥；均记入审计日志 / Mutations: a "
                 "province key, or a city key in its own region; every call is audited.")
class Mutation:
    @strawberry.mutation(
        description="上报心愿（上下联动）：改变当前负责层级，记录原因并通知来源平台；不传 level "
        "即上调一级；已认领、已圆梦、已取消或已删除的心愿不可上报 / Escalate a wish: change the "
        "level now responsible (no `level`: one level up), with a required `reason`; recorded "
        "in `Wish.transfers` and told to the wish's platform (`wish.escalated`). Only an OPEN "
        "or PENDING wish; the caller's key must cover the region handling it now."
    )
    async def escalate_wish(
        self,
        info: CtxInfo,
        id: strawberry.ID,
        level: RegionLevel | None = None,
        reason: Annotated[
            str | None, strawberry.argument(description="原因（必填）/ Why (required).")
        ] = None,
    ) -> Wish | None:
        return await r.escalate_wish(info.context, id, level, reason)

    @strawberry.mutation(
        description="组织派单：把等待中的心愿指派给任一城市、任一平台的队伍，并通知双方平台 / "
        "Dispatch a waiting (OPEN or PENDING) wish to a team of any city and platform; told to "
        "the wish's platform and the team's (`wish.dispatched`). One dispatch at a time; the "
        "caller's key must cover the region handling the wish now."
    )
    async def dispatch_wish(
        self,
        info: CtxInfo,
        id: strawberry.ID,
        team_id: Annotated[strawberry.ID, strawberry.argument(description="队伍的全局标识 / The "
                                                                          "team's global id.")],
        note: Annotated[
            str | None, strawberry.argument(description="派单说明 / A note for the team.")
        ] = None,
    ) -> Wish:
        return await r.dispatch_wish(info.context, id, team_id, note)

    @strawberry.mutation(
        description="撤回派单（需说明原因），并通知双方平台 / Withdraw a wish's current dispatch, "
        "with a reason; told to both platforms (`wish.dispatch_withdrawn`)."
    )
    async def withdraw_dispatch(
        self,
        info: CtxInfo,
        id: strawberry.ID,
        reason: Annotated[str, strawberry.argument(description="原因 / Why.")],
    ) -> Wish:
        return await r.withdraw_dispatch(info.context, id, reason)

    @strawberry.mutation(
        description="修复后重放某来源的拒收记录（或其中一条）/ Replay a source's dead letters "
        "(or one of them) through the current adapter."
    )
    async def replay_dead_letters(
        self, info: CtxInfo, source: str, letter_id: strawberry.ID | None = None
    ) -> ReplayReport | None:
        return await r.replay_dead_letters(info.context, source, letter_id)
