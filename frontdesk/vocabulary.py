"""The front desk's vocabulary: inquiry topics, talent tiers, districts, and the labels people read for them,
for buttons and for a ticket's status (message texts themselves are Jinja2 templates).

The bottom of the layers: the domains, the actions and the channels take their names from here.
"""

from __future__ import annotations

from typing import Literal, get_args

Topic = Literal[
    "green_card",
    "housing",
    "schooling",
    "registration",
    "medical",
    "spouse_employment",
    "social_security",
    "title_evaluation",
    "service_window",
]
Tier = Literal["A类", "B类", "C类", "D类", "E类"]
District = Literal["博乐市", "阿拉山口市", "精河县", "温泉县"]
TOPICS: tuple[str, ...] = get_args(Topic)
# How each topic is named to people, per language.
TOPIC_LABELS = {
    "zh": {
        "green_card": "人才绿卡",
        "housing": "住房保障",
        "schooling": "子女入学",
        "registration": "企业注册",
        "medical": "医疗保健",
        "spouse_employment": "配偶就业",
        "social_security": "社保医保",
        "title_evaluation": "职称评审",
        "service_window": "服务窗口",
    },
    "en": {
        "green_card": "Green card",
        "housing": "Housing",
        "schooling": "Children's schooling",
        "registration": "Company registration",
        "medical": "Medical care",
        "spouse_employment": "Spouse employment",
        "social_security": "Social security",
        "title_evaluation": "Professional titles",
        "service_window": "Service window",
    },
}
TIERS: tuple[str, ...] = get_args(Tier)
DISTRICTS: tuple[str, ...] = get_args(District)
# The buttons a talent can press for a topic, a person or a ticket's status ("which did you mean?").
INTENT_LABELS = {
    language: {
        **{f"ask_{topic}": label for topic, label in labels.items()},
        "request_human": "转人工" if language == "zh" else "Talk to a person",
        "check_ticket": "查询工单进度" if language == "zh" else "Status of my request",
    }
    for language, labels in TOPIC_LABELS.items()
}
# The buttons under an answer that open the rest of its article (keys: policies_kb.passages.Part).
PART_LABELS = {
    "zh": {
        "full": "查看全文",
        "documents": "所需材料",
        "how_to_apply": "办理方式",
        "processing_time": "办理时限",
        "contact": "咨询电话",
    },
    "en": {
        "full": "Full text",
        "documents": "Documents",
        "how_to_apply": "How to apply",
        "processing_time": "Processing time",
        "contact": "Contact",
    },
}
# The buttons on a ticket card in the staff's chats (the staff read Chinese).
TICKET_BUTTON_TITLES = {
    "claim": "认领",
    "reply": "回复",
    "escalate": "上报",
    "resolve": "办结",
    "handback": "退回",
}
# How a ticket's status is said to a talent, in each language.
STATUS_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "open": "已登记，等待工作人员受理",
        "assigned": "工作人员正在办理",
        "waiting_talent": "等待您补充信息",
        "escalated": "已提交上级领导协调",
        "resolved": "已办结",
        "closed": "已关闭",
    },
    "en": {
        "open": "registered, waiting for staff",
        "assigned": "being handled by staff",
        "waiting_talent": "waiting for your reply",
        "escalated": "escalated to a leader",
        "resolved": "resolved",
        "closed": "closed",
    },
}
