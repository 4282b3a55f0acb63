"""Talent messages kept on local disk while the database cannot take them: one JSON file each, written
atomically, moved into the inbox when the database is back."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from pathlib import Path

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)


class SpooledMessage(BaseModel):
    """A talent message waiting on disk for the database."""

    key: str
    channel: str
    sender_id: str
    text: str
    language: str
    received_at: dt.datetime


def keep(directory: Path, message: SpooledMessage) -> Path:
    """Write the message to `directory` (readable by this user alone) and return its file."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"{message.key}.json"
    partial = path.with_suffix(".part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(message.model_dump_json())
        file.flush()
        os.fsync(file.fileno())
    partial.replace(path)
    return path


def kept(directory: Path) -> list[tuple[Path, SpooledMessage]]:
    """The spooled messages, oldest first; an unreadable file is renamed *.unreadable and logged once."""
    messages: list[tuple[Path, SpooledMessage]] = []
    for path in directory.glob("*.json") if directory.is_dir() else []:
        try:
            messages.append((path, SpooledMessage.model_validate_json(path.read_text(encoding="utf-8"))))
        except (OSError, ValidationError):
            log.error("spooled message %s cannot be read: kept as *.unreadable for an operator", path.name)
            with contextlib.suppress(OSError):
                path.rename(path.with_suffix(".unreadable"))
    return sorted(messages, key=lambda item: item[1].received_at)
