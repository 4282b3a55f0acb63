"""Jinja2 environments for message texts (Telegram HTML: autoescaped)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from frontdesk.clock import format_local


def message_environment(folder: Path) -> Environment:
    """Templates in `folder`, HTML-escaped, failing loudly on a missing variable.

    Times go through the `local_time` filter: `{{ ticket.created_at | local_time }}` shows Beijing time,
    `{{ due | local_time("%m月%d日 %H:%M") }}` in another format.
    """
    environment = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["local_time"] = format_local
    return environment
