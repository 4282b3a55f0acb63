"""Message texts of the actions, rendered from Jinja2 templates (one per language)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from frontdesk.config import get_settings
from frontdesk.templating import message_environment
from frontdesk.text import split_message
from policies_kb.schema import TOPICS

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

INTENT_LABELS = {
    language: {
        **{f"ask_{topic}": label for topic, label in labels.items()},
        "request_human": "转人工" if language == "zh" else "Talk to a person",
        "check_ticket": "查询工单进度" if language == "zh" else "Status of my request",
    }
    for language, labels in TOPIC_LABELS.items()
}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return message_environment(Path(__file__).parent / "templates")


def render(name: str, language: str, **values: Any) -> list[str]:
    """Template `name` in `language` as Telegram-HTML messages within the length limit."""
    values.setdefault("window_phone", get_settings().window_phone)
    text = _environment().get_template(f"{name}.{language}.j2").render(**values)
    return split_message(text)


def topic_buttons(language: str, topics: tuple[str, ...] = TOPICS) -> list[dict[str, str]]:
    """One button per inquiry topic; pressing one asks about that topic."""
    labels = TOPIC_LABELS[language]
    return [{"title": labels[topic], "payload": f"/ask_{topic}"} for topic in topics]
