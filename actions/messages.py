"""Message texts of the actions, rendered from Jinja2 templates (one per language)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from frontdesk.config import get_settings
from frontdesk.payloads import sign
from frontdesk.templating import message_environment
from frontdesk.text import split_message
from frontdesk.vocabulary import TOPIC_LABELS, TOPICS


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
    return [{"title": labels[topic], "payload": sign(f"/ask_{topic}")} for topic in topics]
