"""GraphQL enums: the canonical model's enums, with bilingual descriptions."""

from __future__ import annotations

import strawberry

from hub.models import (
    BeneficiaryGroup,
    ClaimantKind,
    DispatchOutcome,
    RegionLevel,
    ServiceCategory,
    SourceDataHealth,
    SourceHealth,
    StationLevel,
    WishCategory,
    WishEventKind,
    WishKind,
    WishStatus,
)

# strawberry.enum registers the model's own enum classes in place, so the
# schema and the model share one class per enum (and mypy sees real types).

strawberry.enum(
    RegionLevel, description="区划层级 / Level of an administrative division."
)
strawberry.enum(
    SourceHealth,
    description="接入状态 / Feed health: HEALTHY; STALE when nothing arrived for the configured "
    "time; FAILING when the last sync or push failed; NEVER_SYNCED.",
)
strawberry.enum(
    SourceDataHealth,
    description="数据质量 / Whether the source's data lands: OK, or REJECTED when every record of its "
    "newest delivery was rejected (the platform is up; its data is bad: see deadLetters).",
)
strawberry.enum(
    StationLevel,
    description="阵地层级 / 中心 CENTER (county), 所 INSTITUTE (town), 站 STATION (village, "
    "community), 点 POINT.",
)
strawberry.enum(
    ServiceCategory,
    description="服务领域 / Field of service: 理论政策宣讲 POLICY_OUTREACH, 文化艺术服务 "
    "CULTURE_ARTS, 助学支教 EDUCATION, 医疗健身 HEALTH_FITNESS, 科学普及 SCIENCE, 法律服务 LEGAL, "
    "卫生环保 ENVIRONMENT, 扶危帮困 RELIEF, OTHER.",
)
strawberry.enum(
    WishStatus,
    description="心愿状态 / PENDING 待审核, OPEN 待认领, CLAIMED 已认领, FULFILLED 已圆梦, "
    "CANCELLED 已撤销.",
)
strawberry.enum(WishKind, description="实物 GOODS / 服务 SERVICE.")
strawberry.enum(
    WishCategory,
    description="心愿类别 / 学习用品 STUDY_SUPPLIES, 文体产品 SPORTS_CULTURE, 图书读物 BOOKS, "
    "医疗器械 MEDICAL_DEVICES, 食品药品 FOOD_MEDICINE, 衣物鞋帽 CLOTHING, 小家电日用品 HOUSEHOLD, "
    "理论政策宣讲 POLICY_TALK, 文化艺术演出 PERFORMANCE, 学习辅导 TUTORING, 科普讲座 SCIENCE_TALK, "
    "法律援助 LEGAL_AID, 卫生环保 SANITATION, 家政培训 HOUSEKEEPING, 生产求助 PRODUCTION_HELP, "
    "生活求助 LIVING_HELP, 医疗求助 MEDICAL_HELP, OTHER.",
)
strawberry.enum(
    BeneficiaryGroup,
    description="服务对象 / 留守妇女 LEFT_BEHIND_WOMAN, 留守儿童 LEFT_BEHIND_CHILD, 老人/空巢/独居 "
    "ELDERLY, 残疾人 DISABLED, 老党员 PARTY_VETERAN, 老战士 ARMY_VETERAN, 老干部 RETIRED_CADRE, "
    "老专家 RETIRED_EXPERT, 老教师 RETIRED_TEACHER, 道德模范 MORAL_MODEL, 劳动模范 LABOR_MODEL, "
    "辽宁好人/身边好人 GOOD_PERSON, 困难群众/低保/涉疫 HARDSHIP, OTHER.",
)
strawberry.enum(
    WishEventKind,
    description="心愿事件类型 / What happened to a wish: SUBMITTED 提交, CLAIMED 认领, "
    "FULFILLED 圆梦, CANCELLED 撤销, ESCALATED 上报, DISPATCHED 派单.",
)
strawberry.enum(
    ClaimantKind,
    description="认领方 / 队伍 TEAM, 个人 VOLUNTEER, 企业 ENTERPRISE, 组织 ORGANIZATION.",
)
strawberry.enum(
    DispatchOutcome,
    description="派单的结束方式 / How a dispatch ended: 撤回 WITHDRAWN by an office; 已认领 "
    "CLAIMED (the wish's platform reported a claim); 已关闭 CLOSED (cancelled or deleted on its "
    "platform).",
)

__all__ = [
    "BeneficiaryGroup",
    "ClaimantKind",
    "DispatchOutcome",
    "RegionLevel",
    "ServiceCategory",
    "SourceDataHealth",
    "SourceHealth",
    "StationLevel",
    "WishCategory",
    "WishEventKind",
    "WishKind",
    "WishStatus",
]
