"""Button payloads signed by the front desk, so that text a talent types is never taken for one.

A payload (`/intent` or `/intent{"entity": "value"}`) travels as `payload~signature`; Rasa's text
normaliser (nlu/components/normalizer.py) lets a correctly signed payload through without its
signature and turns anything else that starts with "/" into plain text. Standard library only:
Rasa's own Python environment imports this module too.
"""

from __future__ import annotations

import hashlib
import hmac
import os

PREFIX = "/"
SEPARATOR = "~"
KEY_VARIABLE = "BUTTON_SECRET"
LOCAL_DEMO_KEY = "local-demo-button-secret-change-me"
_SIGNATURE_CHARS = 12


def _key() -> bytes:
    return (os.environ.get(KEY_VARIABLE) or LOCAL_DEMO_KEY).encode("utf-8")


def _signature(payload: str) -> str:
    digest = hmac.new(_key(), payload.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:_SIGNATURE_CHARS]


def sign(payload: str) -> str:
    """The payload as a button carries it."""
    return f"{payload}{SEPARATOR}{_signature(payload)}"


def verified(text: str) -> str | None:
    """The payload of a signed button press, without its signature; None for anything else."""
    payload, separator, signature = text.strip().rpartition(SEPARATOR)
    if not separator or not payload.startswith(PREFIX):
        return None
    return payload if hmac.compare_digest(signature, _signature(payload)) else None


def as_plain_text(text: str) -> str:
    """Typed text that merely looks like a payload, with its leading slashes taken off."""
    return text.strip().lstrip(PREFIX).strip()
