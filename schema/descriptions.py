"""Bilingual descriptions the type definitions cannot carry themselves.

Every type, field, argument and enum value of the served schema is described
in Chinese and English (``tests/schema/test_schema_product.py`` checks it).
Most descriptions live beside their definition; these cannot:

- the values of the canonical model's enums (``hub.models`` enums are
  registered in place, so strawberry sees no per-value description);
- what strawberry generates (``Query``, the ``Date`` scalar, ``edges``,
  ``node``, ``pageInfo`` of the connections);
- arguments declared without ``strawberry.argument(description=...)``.

``apply`` fills only what is missing: a description written at the
definition wins over the one here.
"""

from __future__ import annotations

import re

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)

_ENUM_VALUES: dict[str, dict[str, str]] = {
    "RegionLevel": {
        "PROVINCE": "省 / Province (辽宁省 210000).",
        "CITY": "市 / City, e.g. 沈阳市 210100.",
        "COUNTY": "县、区、县级市 / County or district, e.g. 和平区 210102.",
        "TOWN": "乡镇、街道 / Town or sub-district (9-digit code).",
        "VILLAGE": "村、社区 / Village or community (12-digit code).",
    },
    "SourceHealth": {
        "HEALTHY": "正常 / Delivered recently and its last sync succeeded.",
        "STALE": "数据陈旧 / Nothing arrived for the configured time.",
        "FAILING": "失败 / Its last push or sync failed: down, unreachable or unreadable.",
        "NEVER_SYNCED": "从未接入 / Never delivered anything.",
    },
    "SourceDataHealth": {
        "OK": "正常 / Its newest delivery had records the hub took (or none arrived yet).",
        "REJECTED": "数据被拒 / Every record of its newest delivery was rejected: up, but bad data.",
    },
    "StationLevel": {
        "CENTER": "新时代文明实践中心（县）/ Centre, county level.",
        "INSTITUTE": "新时代文明实践所（乡镇）/ Institute, town level.",
        "STATION": "新时代文明实践站（村、社区）/ Station, village or community.",
        "POINT": "新时代文明实践点 / Point.",
    },
    "ServiceCategory": {
        "POLICY_OUTREACH": "理论政策宣讲 / Policy outreach.",
        "CULTURE_ARTS": "文化艺术服务 / Culture and the arts.",
        "EDUCATION": "助学支教 / Education and tutoring.",
        "HEALTH_FITNESS": "医疗健身 / Health and fitness.",
        "SCIENCE": "科学普及 / Science popularisation.",
        "LEGAL": "法律服务 / Legal services.",
        "ENVIRONMENT": "卫生环保 / Sanitation and the environment.",
        "RELIEF": "扶危帮困 / Help for people in difficulty.",
        "OTHER": "其他 / Other.",
    },
    "WishStatus": {
        "PENDING": "待审核 / Awaiting review.",
        "OPEN": "待认领 / Open, waiting for a claim.",
        "CLAIMED": "已认领 / Claimed.",
        "FULFILLED": "已圆梦 / Fulfilled.",
        "CANCELLED": "已撤销 / Cancelled.",
    },
    "WishKind": {
        "GOODS": "实物 / Goods.",
        "SERVICE": "服务 / A service.",
    },
    "WishCategory": {
        "STUDY_SUPPLIES": "学习用品 / Study supplies.",
        "SPORTS_CULTURE": "文体产品 / Sports and culture goods.",
        "BOOKS": "图书读物 / Books.",
        "MEDICAL_DEVICES": "医疗器械 / Medical devices.",
        "FOOD_MEDICINE": "食品药品 / Food and medicine.",
        "CLOTHING": "衣物鞋帽 / Clothing.",
        "HOUSEHOLD": "小家电日用品 / Small appliances and household goods.",
        "POLICY_TALK": "理论政策宣讲 / A policy talk.",
        "PERFORMANCE": "文化艺术演出 / A performance.",
        "TUTORING": "学习辅导 / Tutoring.",
        "SCIENCE_TALK": "科普讲座 / A science talk.",
        "LEGAL_AID": "法律援助 / Legal aid.",
        "SANITATION": "卫生环保 / Sanitation help.",
        "HOUSEKEEPING": "家政培训 / Housekeeping training.",
        "PRODUCTION_HELP": "生产求助 / Help with farm or work.",
        "LIVING_HELP": "生活求助 / Help with daily life.",
        "MEDICAL_HELP": "医疗求助 / Medical help.",
        "OTHER": "其他 / Other.",
    },
    "BeneficiaryGroup": {
        "LEFT_BEHIND_WOMAN": "留守妇女 / Left-behind woman.",
        "LEFT_BEHIND_CHILD": "留守儿童 / Left-behind child.",
        "ELDERLY": "老人、空巢、独居老人 / Elderly, living alone.",
        "DISABLED": "残疾人 / Person with a disability.",
        "PARTY_VETERAN": "老党员 / Veteran Party member.",
        "ARMY_VETERAN": "老战士 / Army veteran.",
        "RETIRED_CADRE": "老干部 / Retired cadre.",
        "RETIRED_EXPERT": "老专家 / Retired expert.",
        "RETIRED_TEACHER": "老教师 / Retired teacher.",
        "MORAL_MODEL": "道德模范 / Moral model.",
        "LABOR_MODEL": "劳动模范 / Model worker.",
        "GOOD_PERSON": "辽宁好人、身边好人 / A 'good person' honouree.",
        "HARDSHIP": "困难群众、低保户 / Person in hardship, on minimum allowance.",
        "OTHER": "其他 / Other.",
    },
    "ClaimantKind": {
        "TEAM": "志愿服务队伍 / A volunteer team.",
        "VOLUNTEER": "志愿者个人 / An individual volunteer.",
        "ENTERPRISE": "企业 / An enterprise.",
        "ORGANIZATION": "组织、单位 / An organisation.",
    },
    "DispatchOutcome": {
        "WITHDRAWN": "已撤回 / Withdrawn by an office (withdrawDispatch).",
        "CLAIMED": "已认领 / The wish's platform reported a claim.",
        "CLOSED": "已关闭 / The wish was cancelled or deleted on its platform.",
    },
    "WishEventKind": {
        "SUBMITTED": "新心愿提交 / A new wish arrived.",
        "CLAIMED": "心愿被认领 / The wish was claimed.",
        "FULFILLED": "心愿已圆梦 / The wish came true.",
        "CANCELLED": "心愿已撤销 / The wish was cancelled.",
        "ESCALATED": "负责层级变更（上报）/ Its handling level changed (escalated).",
        "DISPATCHED": "组织派单给队伍 / An office dispatched it to a team.",
    },
    "WishOrder": {
        "SUBMITTED_DESC": "最新提交在前 / Newest first.",
        "SUBMITTED_ASC": "最早提交在前 / Oldest first.",
    },
    "Granularity": {
        "DAY": "按日 / Per day.",
        "WEEK": "按周（周一开始）/ Per week, from Monday.",
        "MONTH": "按月 / Per month.",
        "YEAR": "按年 / Per year.",
    },
}

_TYPES: dict[str, str] = {
    "Query": "查询入口 / The hub's read entry points.",
    "Mutation": "操作入口（需要运营密钥）/ Operator actions (need an operator key).",
    "Subscription": "实时订阅（graphql-transport-ws，/graphql）/ Live updates over the "
    "graphql-transport-ws protocol on /graphql.",
    "Date": "日期，ISO-8601（北京日历日）/ A calendar date, ISO-8601, e.g. 2022-03-14.",
}

_FIELDS: dict[str, str] = {
    # Connections and edges (generic, generated per list).
    "edges": "本页各项 / The items of this page.",
    "pageInfo": "分页信息 / How to ask for the next page.",
    "node": "该项对象 / The item.",
    # PageInfo.
    "PageInfo.hasNextPage": "是否还有下一页 / Whether a next page exists.",
    "PageInfo.hasPreviousPage": "是否有上一页 / Whether this page follows another (an `after` was given).",
    "PageInfo.startCursor": "本页第一项的游标 / Cursor of the first item.",
    "PageInfo.endCursor": "本页最后一项的游标，作为下一页的 after / Cursor of the last item: "
    "the next page's `after`.",
    "Source.name": "平台名称 / The platform's name: 盛京使者, 枫乡, 辽宁文化云, 葫芦岛微心愿.",
    "RegionStats.region": "区划 / The region.",
    "RegionStats.stats": "该区划的统计 / The figures of this region.",
    "SeriesPoint.stats": "该时段的统计 / The figures of this period.",
    "Stats.wishes": "心愿统计 / Wish figures.",
    "Stats.activities": "活动统计 / Activity figures.",
    "StatsFilter.category": "服务领域，为空表示不限 / Fields of service; empty means any.",
    "StatsFilter.beneficiaryGroup": "服务对象，为空表示不限 / Beneficiary groups; empty means any.",
    "StatsFilter.sourceCode": "来源平台代码，为空表示不限 / Source platform codes; empty means any.",
    "AuditEntry.at": "时间 / When.",
    "AuditEntry.role": "调用者角色 / The caller's role.",
    "AuditEntry.action": "操作 / What was done.",
    "AuditEntry.outcome": "结果 / How it ended.",
    "ReplayOutcome.sourceId": "来源平台上的编号 / Id on its platform.",
    "ReplayOutcome.outcome": "重放结果 / What the replay did.",
    "ReplayOutcome.reason": "原因 / Why, when it did not store the record.",
    "SourceFailure.source": "来源平台代码 / The source's code.",
}

_ARGUMENTS: dict[str, str] = {
    "id": "全局标识 / A global id.",
    "code": "区划代码 / A GB/T 2260 region code, e.g. 210100.",
    "level": "层级 / The level.",
    "parentCode": "上级区划代码 / Only the regions directly below this code.",
    "filter": "筛选条件，不传表示不限 / Filters; absent means everything.",
    "orderBy": "排序 / Order.",
    "granularity": "时间粒度 / Period length.",
    "source": "来源平台代码 / A source's code.",
    "includeResolved": "包括已处理的 / Include resolved ones.",
    "letterId": "死信编号 / A dead letter's number.",
    "before": "只看此时间之前 / Only entries before this time.",
    "actionPrefix": "操作名前缀 / Only actions starting with this.",
    "regionCode": "区划代码，含下级 / This region and everything below it.",
    "days": "超过多少天未认领算逾期 / Days without a claim after which a wish is overdue.",
}

_BILINGUAL = (re.compile(r"[\u4e00-\u9fff]"), re.compile(r"[A-Za-z]{2}"))


def is_bilingual(text: str | None) -> bool:
    return bool(text) and all(p.search(text or "") for p in _BILINGUAL)


def apply(schema: GraphQLSchema) -> None:
    """Fill the missing descriptions of ``schema`` in place."""
    for name, type_ in schema.type_map.items():
        if name in _TYPES and not is_bilingual(type_.description):
            type_.description = _TYPES[name]
        if isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                text = _ENUM_VALUES.get(name, {}).get(value_name)
                if text and not is_bilingual(value.description):
                    value.description = text
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                text = _FIELDS.get(f"{name}.{field_name}") or _FIELDS.get(field_name)
                if text and not is_bilingual(field.description):
                    field.description = text
                for arg_name, arg in getattr(field, "args", {}).items():
                    text = _ARGUMENTS.get(f"{name}.{field_name}({arg_name})") or _ARGUMENTS.get(arg_name)
                    if text and not is_bilingual(arg.description):
                        arg.description = text
