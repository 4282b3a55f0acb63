"""Client of Rasa's REST channel and HTTP API."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from frontdesk.config import Settings
from frontdesk.edge import SECRET_HEADER
from frontdesk.text import TELEGRAM_MESSAGE_LIMIT

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """The Rasa server (or its action server) did not answer properly."""


@dataclass(frozen=True)
class BotMessage:
    """One message of Rasa's answer: text with buttons, or a machine-readable payload."""

    text: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    custom: dict[str, Any] | None = None

    @classmethod
    def from_rest(cls, data: dict[str, Any]) -> BotMessage:
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in data.get("buttons") or []
        ]
        custom = data.get("custom") if isinstance(data.get("custom"), dict) else None
        return cls(text=data.get("text"), buttons=buttons, custom=custom)


def merge_paragraphs(messages: list[BotMessage], limit: int = TELEGRAM_MESSAGE_LIMIT) -> list[BotMessage]:
    """Join the paragraphs Rasa's REST channel sends one by one back into messages of at most `limit`.

    Rasa splits every text at blank lines; a text-only message is joined to the next text message
    (which may carry buttons) while the result fits.
    """
    merged: list[BotMessage] = []
    for message in messages:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.text
            and not previous.buttons
            and previous.custom is None
            and message.text
            and message.custom is None
            and len(previous.text) + 2 + len(message.text) <= limit
        ):
            merged[-1] = BotMessage(text=f"{previous.text}\n\n{message.text}", buttons=message.buttons)
        else:
            merged.append(message)
    return merged


class RasaClient:
    """Talks to one Rasa server over HTTP."""

    def __init__(
        self, base_url: str, *, timeout: float, token: str | None = None, channel_secret: str | None = None
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._channel_headers = {SECRET_HEADER: channel_secret} if channel_secret else {}
        self._http = httpx.AsyncClient(timeout=timeout)

    @classmethod
    def from_settings(cls, settings: Settings, *, timeout: float | None = None) -> RasaClient:
        """A client of the Rasa server `settings` name, with its token and channel secret."""
        return cls(
            settings.rasa_base_url,
            timeout=settings.rasa_timeout_seconds if timeout is None else timeout,
            token=settings.rasa_token.get_secret_value() if settings.rasa_token else None,
            channel_secret=(
                settings.rasa_channel_secret.get_secret_value() if settings.rasa_channel_secret else None
            ),
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def send(self, sender_id: str, text: str, *, message_id: str | None = None) -> list[BotMessage]:
        """Send a talent's message through the REST channel and return the bot's messages; `message_id`
        (the inbox key) travels as the message's metadata."""
        body: dict[str, Any] = {"sender": sender_id, "message": text}
        if message_id is not None:
            body["metadata"] = {"message_id": message_id}
        try:
            response = await self._http.post(
                f"{self._base_url}/webhooks/rest/webhook", json=body, headers=self._channel_headers
            )
            response.raise_for_status()
            payload = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(payload, list):
            raise RasaUnavailable(f"unexpected answer from Rasa: {str(payload)[:200]}")
        messages = [BotMessage.from_rest(item) for item in payload if isinstance(item, dict)]
        if not any(message.text for message in messages):
            # Rasa answers [] when the action server failed: the turn produced nothing to say.
            raise RasaUnavailable("Rasa returned no reply (is the action server running?)")
        return merge_paragraphs(messages)

    async def set_slot(self, sender_id: str, name: str, value: Any) -> None:
        """Set a slot of a talent's conversation (e.g. the language chosen with /lang)."""
        params = {"token": self._token} if self._token else None
        try:
            response = await self._http.post(
                f"{self._base_url}/conversations/{sender_id}/tracker/events",
                json={"event": "slot", "name": name, "value": value},
                params=params,
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def status(self) -> dict[str, Any]:
        params = {"token": self._token} if self._token else None
        response = await self._http.get(f"{self._base_url}/status", params=params)
        response.raise_for_status()
        return response.json()
