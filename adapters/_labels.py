"""The province's Chinese labels, shared by every platform, and their enums.

Labels not listed map to ``OTHER``: the platforms document that any other
label means "other", so an unknown one is not an error.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.models import BeneficiaryGroup, ServiceCategory, WishCategory

WISH_CATEGORIES: Mapping[str, WishCategory] = {
    "学习用品": WishCategory.STUDY_SUPPLIES,
    "文体产品": WishCategory.SPORTS_CULTURE,
    "图书读物": WishCategory.BOOKS,
    "医疗器械": WishCategory.MEDICAL_DEVICES,
    "食品药品": WishCategory.FOOD_MEDICINE,
    "衣物鞋帽": WishCategory.CLOTHING,
    "小家电日用品": WishCategory.HOUSEHOLD,
    "理论政策宣讲": WishCategory.POLICY_TALK,
    "文化艺术演出": WishCategory.PERFORMANCE,
    "学习辅导": WishCategory.TUTORING,
    "科普讲座": WishCategory.SCIENCE_TALK,
    "法律援助": WishCategory.LEGAL_AID,
    "卫生环保": WishCategory.SANITATION,
    "家政培训": WishCategory.HOUSEKEEPING,
    "生产求助": WishCategory.PRODUCTION_HELP,
    "生活求助": WishCategory.LIVING_HELP,
    "医疗求助": WishCategory.MEDICAL_HELP,
}

BENEFICIARY_GROUPS: Mapping[str, BeneficiaryGroup] = {
    "留守妇女": BeneficiaryGroup.LEFT_BEHIND_WOMAN,
    "留守儿童": BeneficiaryGroup.LEFT_BEHIND_CHILD,
    "老人": BeneficiaryGroup.ELDERLY,
    "空巢老人": BeneficiaryGroup.ELDERLY,
    "独居老人": BeneficiaryGroup.ELDERLY,
    "残疾人": BeneficiaryGroup.DISABLED,
    "老党员": BeneficiaryGroup.PARTY_VETERAN,
    "老战士": BeneficiaryGroup.ARMY_VETERAN,
    "老干部": BeneficiaryGroup.RETIRED_CADRE,
    "老专家": BeneficiaryGroup.RETIRED_EXPERT,
    "老教师": BeneficiaryGroup.RETIRED_TEACHER,
    "道德模范": BeneficiaryGroup.MORAL_MODEL,
    "劳动模范": BeneficiaryGroup.LABOR_MODEL,
    "辽宁好人": BeneficiaryGroup.GOOD_PERSON,
    "身边好人": BeneficiaryGroup.GOOD_PERSON,
    "困难群众": BeneficiaryGroup.HARDSHIP,
    "低保户": BeneficiaryGroup.HARDSHIP,
    "涉疫群众": BeneficiaryGroup.HARDSHIP,
}

SERVICE_CATEGORIES: Mapping[str, ServiceCategory] = {
    "理论政策宣讲": ServiceCategory.POLICY_OUTREACH,
    "文化艺术服务": ServiceCategory.CULTURE_ARTS,
    "助学支教": ServiceCategory.EDUCATION,
    "医疗健身": ServiceCategory.HEALTH_FITNESS,
    "科学普及": ServiceCategory.SCIENCE,
    "法律服务": ServiceCategory.LEGAL,
    "卫生环保": ServiceCategory.ENVIRONMENT,
    "扶危帮困": ServiceCategory.RELIEF,
}


def wish_category(label: str | None) -> WishCategory:
    return WISH_CATEGORIES.get(_clean(label), WishCategory.OTHER)


def beneficiary_group(label: str | None) -> BeneficiaryGroup:
    return BENEFICIARY_GROUPS.get(_clean(label), BeneficiaryGroup.OTHER)


def service_category(label: str | None) -> ServiceCategory:
    return SERVICE_CATEGORIES.get(_clean(label), ServiceCategory.OTHER)


def _clean(label: str | None) -> str:
    # People type labels with stray spaces, full-width ones included.
    return "".join((label or "").split())
