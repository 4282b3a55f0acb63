"""Rasa's REST channel, for the front desk's own channels only (credentials.yml names this class).

Same URL (`/webhooks/rest/webhook`, the channel is named "rest") and same answers as Rasa's `RestInput`,
but a request must carry the shared secret (`X-Frontdesk-Secret`, env RASA_CHANNEL_SECRET) and a JSON
body of the right shape (`frontdesk/edge.py`), else 401/403/415/400; the message is cut to
MAX_MESSAGE_CHARS before anything reads it; of the metadata only `message_id` (at most 80 characters,
the action server's idempotency key) is passed on. No stream mode, no `input_channel` from the body. With
RASA_OPEN_FOR_EVALUATION on, requests without the secret are taken from bare sender ids (for the
shared dialogue evaluator, which cannot send it). Nothing the talent wrote is logged.
"""

from __future__ import annotations

import asyncio
import logging
import os
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from frontdesk.edge import (
    OPEN_VARIABLE,
    SECRET_HEADER,
    SECRET_VARIABLE,
    Inbound,
    Refused,
    check_request,
    check_secret,
    inbound,
    is_on,
)
from frontdesk.text import nlu_limit

log = logging.getLogger(__name__)


class FrontdeskRestInput(RestInput):
    """The REST channel behind the shared secret, with checked and bounded input."""

    def __init__(self, *, secret: str | None, open_for_evaluation: bool, limit: int) -> None:
        self.secret = secret
        self.open_for_evaluation = open_for_evaluation
        self.limit = limit

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> FrontdeskRestInput:
        """Configured from the environment (the launcher sets it); no secret only in evaluation mode."""
        secret = os.environ.get(SECRET_VARIABLE) or None
        open_for_evaluation = is_on(os.environ.get(OPEN_VARIABLE))
        if secret is None and not open_for_evaluation:
            raise RasaException(f"{SECRET_VARIABLE} is not set: start Rasa with `python -m launcher.serve`")
        return cls(secret=secret, open_for_evaluation=open_for_evaluation, limit=nlu_limit())

    def checked(self, request: Request) -> Inbound:
        """The request's message, or `Refused`."""
        provided = request.headers.get(SECRET_HEADER)
        if provided is not None or not self.open_for_evaluation:
            check_secret(provided, self.secret)
        check_request(method=request.method, headers=request.headers)
        return inbound(request.body, with_secret=provided is not None, limit=self.limit)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("frontdesk_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                message = self.checked(request)
            except Refused as refusal:
                return response.json({"error": refusal.reason}, status=refusal.status)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        message.text,
                        collector,
                        message.sender,
                        input_channel=self.name(),
                        metadata=message.metadata,
                    )
                )
            except asyncio.CancelledError:
                log.error("a turn timed out")
            except Exception as exc:
                # The error's kind and where, not its message: that may quote the talent's text.
                where = "".join(traceback.format_tb(exc.__traceback__, limit=-3))
                log.error("a turn failed: %s\n%s", type(exc).__name__, where)
            return response.json(collector.messages)

        return webhook
