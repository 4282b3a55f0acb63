"""Jinja2 environments for message texts (Telegram HTML: autoescaped)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from frontdesk.clock import LOCAL_TZ


def message_environment(folder: Path) -> Environment:
    """Templates in `folder`, HTML-escaped, failing loudly on a missing variable; `local_tz` for times."""
    environment = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["local_tz"] = LOCAL_TZ
    return environment
