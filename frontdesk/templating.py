"""Jinja2 environments for message texts (Telegram HTML: autoescaped)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


def message_environment(folder: Path) -> Environment:
    """Templates in `folder`, HTML-escaped, failing loudly on a missing variable."""
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
