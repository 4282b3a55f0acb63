"""Texts the channel itself says (not the assistant): rendered from Jinja2 templates."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from frontdesk.config import get_settings
from frontdesk.templating import message_environment

_TAG = re.compile(r"</?(?:b|i|u|s|code|pre|a)(?:\s[^>]*)?>")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return message_environment(Path(__file__).parent / "templates")


def render(name: str, language: str, **values: Any) -> str:
    values.setdefault("window_phone", get_settings().window_phone)
    return _environment().get_template(f"{name}.{language}.j2").render(**values).strip()


def html_to_plain(text: str) -> str:
    """Telegram-HTML message text as plain text for a terminal."""
    return html.unescape(_TAG.sub("", text))
