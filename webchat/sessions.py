"""Web-chat sessions without cookies: a token is the sender id ("web:<22 url-safe characters>") signed with
HMAC, kept by the page and sent in the X-Chat-Token header. The keys of the web chat are derived from the
settings' secrets, one per purpose: tokens from BUTTON_SECRET (it signs what the assistant hands out), the
call-back phones' encryption and hashes from REGISTRY_SECRET (the key of talents' phone numbers)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from frontdesk.config import Settings
from frontdesk.contract import sender_id as make_sender_id

CHANNEL = "web"
TOKEN_HEADER = "x-chat-token"
_ID_BYTES = 16  # 22 url-safe characters
_SEPARATOR = "."


def derived_key(secret: str, *, purpose: str) -> bytes:
    """A 32-byte key of its own for `purpose`, from a settings secret."""
    return hmac.new(secret.encode(), f"frontdesk.webchat.{purpose}".encode(), hashlib.sha256).digest()


def _token_key(settings: Settings) -> bytes:
    return derived_key(settings.button_secret.get_secret_value(), purpose="session")


def _signature(settings: Settings, sender: str) -> str:
    digest = hmac.new(_token_key(settings), sender.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_session(settings: Settings) -> tuple[str, str]:
    """(token, sender id) of a new conversation."""
    sender = make_sender_id(CHANNEL, secrets.token_urlsafe(_ID_BYTES))
    return f"{sender}{_SEPARATOR}{_signature(settings, sender)}", sender


def sender_of(settings: Settings, token: str | None) -> str | None:
    """The sender id a token was issued for; None for a missing, malformed or forged token."""
    if not token or len(token) > 200:
        return None
    sender, separator, signature = token.rpartition(_SEPARATOR)
    if not separator or not sender.startswith(f"{CHANNEL}:"):
        return None
    return sender if hmac.compare_digest(signature, _signature(settings, sender)) else None
