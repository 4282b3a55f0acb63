"""How a ticket's status is said to a talent, in each language."""

from __future__ import annotations

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
