"""What the front desk's own services ask of a request at their edge (Rasa's REST channel, the action
server): the shared secret header, a JSON body, and for the REST channel a well-formed, bounded message.

Plain Python that Rasa's environment (Python 3.10) imports too; the services turn `Refused` into its
HTTP status with `{"error": reason}`.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from frontdesk.text import normalize

SECRET_HEADER = "X-Frontdesk-Secret"
SECRET_VARIABLE = "RASA_CHANNEL_SECRET"
# Local evaluation only: the REST channel also takes requests without the secret, from bare sender ids.
OPEN_VARIABLE = "RASA_OPEN_FOR_EVALUATION"

# The channels that talk to Rasa ("test" and "bench": the integration tests and the benchmarks).
CHANNELS = ("telegram", "web", "local", "launcher", "test", "bench")
MAX_SENDER_CHARS = 120  # the sender id columns of the inbox and the tickets
MAX_MESSAGE_ID_CHARS = 80  # the inbox key, a ticket's message_key
_SENDER = re.compile(rf"(?:{'|'.join(CHANNELS)}):[A-Za-z0-9_.@-]+")
_BARE_SENDER = re.compile(r"[A-Za-z0-9_.@-]+")


class Refused(Exception):
    """A request a service does not take: the HTTP status to answer and a short reason (no user text)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def is_on(value: str | None) -> bool:
    """An environment flag: 1, true, yes or on."""
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def check_secret(provided: str | None, secret: str | None) -> None:
    """Refuse a missing (401) or wrong (403) shared secret, in constant time."""
    if provided is None:
        raise Refused(401, f"{SECRET_HEADER} header required")
    if not secret or not hmac.compare_digest(provided.encode(), secret.encode()):
        raise Refused(403, f"wrong {SECRET_HEADER}")


def check_json(content_type: str | None) -> None:
    """Refuse (415) a body that is not declared as JSON: a web page can post text/plain or a form to a
    loopback port without asking the server first, but not JSON."""
    if (content_type or "").split(";", 1)[0].strip().lower() != "application/json":
        raise Refused(415, "Content-Type must be application/json")


def check_not_from_a_page(origin: str | None, fetch_site: str | None) -> None:
    """Refuse (403) what a browser sends on behalf of a web page (an `Origin` header, or a `Sec-Fetch-Site`
    other than a typed address): the services are for the front desk's own processes, none for pages."""
    if origin is not None or (fetch_site or "none").lower() not in {"none", "same-origin"}:
        raise Refused(403, "requests from web pages are not taken")


def check_request(*, method: str, headers: Mapping[str, str]) -> None:
    """The checks every request to Rasa or the action server passes: not from a page, a write in JSON."""
    check_not_from_a_page(headers.get("origin"), headers.get("sec-fetch-site"))
    if method.upper() in {"POST", "PUT", "PATCH"}:
        check_json(headers.get("content-type"))


@dataclass(frozen=True)
class Inbound:
    """A REST channel message as Rasa gets it."""

    sender: str
    text: str
    metadata: dict[str, str] | None


def inbound(body: bytes, *, with_secret: bool, limit: int) -> Inbound:
    """The REST channel's request body checked (400 otherwise): a JSON object with a `sender` of a known
    channel ("telegram:42"; a bare id only for a request `with_secret` false, in evaluation mode), a
    string `message` with something to read, cut to `limit` characters, and optional `metadata` of which
    only a `message_id` is kept."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise Refused(400, "body must be JSON") from None
    if not isinstance(data, dict):
        raise Refused(400, "body must be a JSON object")
    sender, text, metadata = data.get("sender"), data.get("message"), data.get("metadata")
    shape = _SENDER if with_secret else _BARE_SENDER
    if not (isinstance(sender, str) and len(sender) <= MAX_SENDER_CHARS and shape.fullmatch(sender)):
        expected = "'<channel>:<id>', channel one of " + ", ".join(CHANNELS) if with_secret else "a bare id"
        raise Refused(400, f"sender must be {expected}, at most {MAX_SENDER_CHARS} characters")
    if not isinstance(text, str) or not text:
        raise Refused(400, "message must be a non-empty string")
    text = text[:limit]
    if not normalize(text, limit=limit):
        raise Refused(400, "message has no text to read")  # only control characters or spaces
    return Inbound(sender=sender, text=text, metadata=_metadata(metadata))


def _metadata(metadata: object) -> dict[str, str] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise Refused(400, "metadata must be a JSON object")
    message_id = metadata.get("message_id")
    if message_id is None:
        return None
    if not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_MESSAGE_ID_CHARS:
        raise Refused(
            400, f"metadata.message_id must be a string of at most {MAX_MESSAGE_ID_CHARS} characters"
        )
    return {"message_id": message_id}
