"""A local fake Telegram Bot API server for end-to-end tests and benchmarks of a python-telegram-bot bot.

Standard library only. Point PTB at it with ``.base_url(api.base_url).base_file_url(api.base_file_url)``;
play users with ``send_text``/``send_command``/``press_button``/...; observe the bot with ``sent``,
``calls`` and ``wait_for``. Like Telegram, messages sent with ``parse_mode=HTML`` come back as plain text
(the raw text stays in ``calls``) and badly formed HTML is refused with "can't parse entities".
"""

from __future__ import annotations

import asyncio
import copy
import email.policy
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

T = TypeVar("T")
JSON = dict[str, Any]

# Parameters PTB sends as raw strings; every other form value is JSON-encoded.
_RAW_PARAMS = frozenset(
    {"text", "caption", "parse_mode", "callback_query_id", "url", "secret_token", "file_id", "action"}
    | {"inline_message_id", "language_code", "emoji", "business_connection_id", "title", "description"}
)
_HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji"}
    | {"code", "pre", "blockquote"}
)
_UPDATE_KINDS = ("message", "edited_message", "callback_query", "channel_post", "inline_query")
_DEFAULT_ERRORS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {retry_after}",
}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """A Telegram error answer: ``{"ok": false, "error_code": code, "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        return body | ({"parameters": self.parameters} if self.parameters else {})


@dataclass
class _Pending:
    update: JSON
    delivered: bool = False


@dataclass
class _Fault:
    error: ApiError
    times: int
    after: int = 0  # calls that succeed first


class _HtmlText(HTMLParser):
    """Telegram's HTML parse mode: collects the plain text, refuses unsupported or unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise ValueError(f'Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            expected = f'"</{self.stack[-1]}>"' if self.stack else "no end tag"
            raise ValueError(f'Unmatched end tag "</{tag}>", expected {expected}')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(source: str) -> str:
    """The plain text of a Telegram-HTML message; ValueError where Telegram would refuse it."""
    parser = _HtmlText()
    parser.feed(source)
    parser.close()
    if parser.stack:
        raise ValueError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
    return "".join(parser.parts)


def _decode(key: str, value: str) -> Any:
    if key in _RAW_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _multipart(content_type: str, body: bytes) -> JSON:
    """Form fields of a multipart body; uploaded files as {"filename", "mime_type", "content"}."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: JSON = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True) or b""
        if part.get_filename():
            fields[name] = {
                "filename": part.get_filename(),
                "mime_type": part.get_content_type(),
                "content": content,
            }
        else:
            fields[name] = _decode(name, content.decode())
    return fields


def parse_params(content_type: str, body: bytes, query: str = "") -> JSON:
    """Bot API parameters from a query string and a form, multipart or JSON body."""
    params: JSON = {k: _decode(k, v) for k, v in parse_qsl(query, keep_blank_values=True)}
    kind = content_type.split(";")[0].strip().lower()
    if body and kind == "application/json":
        params.update(json.loads(body))
    elif body and kind == "multipart/form-data":
        params.update(_multipart(content_type, body))
    elif body:
        params.update((k, _decode(k, v)) for k, v in parse_qsl(body.decode(), keep_blank_values=True))
    if isinstance(params.get("reply_markup"), str):
        params["reply_markup"] = json.loads(params["reply_markup"])
    return params


def _chat_id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, "Bad Request: chat not found") from None


def _update_kind(update: JSON) -> str:
    return next((k for k in update if k != "update_id"), "")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60
    api: FakeBotApi

    def do_GET(self) -> None:
        self.api._serve(self)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


_UPDATE_ID_BLOCKS = itertools.count(100_000_001, 1_000_000)


class FakeBotApi:
    """A fake Bot API on 127.0.0.1 (free port), serving ``/bot<TOKEN>/<method>`` and ``/file/bot<TOKEN>/``.

    Observable state: ``calls`` [(method, params, monotonic time)], ``queued_at`` {update_id: monotonic
    time of its (latest) enqueue}, ``sent_at`` {(chat_id, message_id): monotonic time the bot sent it}.
    One re-entrant Condition guards all state; getUpdates long polls wait on it (at most ``max_poll_wait``).
    """

    def __init__(
        self,
        token: str = "123:TEST",
        *,
        bot_username: str = "test_frontdesk_bot",
        bot_name: str = "Frontdesk Test Bot",
        max_poll_wait: float = 1.0,
    ) -> None:
        self.token = token
        self.max_poll_wait = max_poll_wait
        bot_id = int(token.split(":")[0]) if token.split(":")[0].isdigit() else 1
        self.bot_user: JSON = {"id": bot_id, "is_bot": True, "first_name": bot_name, "username": bot_username}
        self.calls: list[tuple[str, JSON, float]] = []
        self.queued_at: dict[int, float] = {}
        self.sent_at: dict[tuple[int, int], float] = {}
        self._cond = threading.Condition(threading.RLock())
        self._closing = threading.Event()
        self._pending: list[_Pending] = []
        self._sent: list[JSON] = []
        self._sent_pos: dict[tuple[int, int], int] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._message_ids: dict[int, int] = {}
        self._users: dict[int, JSON] = {}
        self._chats: dict[int, JSON] = {}
        self._files: dict[str, JSON] = {}
        self._queries: set[str] = set()
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._delays: dict[str, float] = {}
        self._webhook_url = ""
        self._offset = 0
        self._ids = itertools.count(1)
        self._next_update_id = next(_UPDATE_ID_BLOCKS)  # like Telegram's: never reused by another run
        self._methods = {name[3:].lower(): name[3:] for name in dir(self) if name.startswith("_m_")}
        handler = type("Handler", (_Handler,), {"api": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-bot-api", daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        """For PTB's ``.base_url()``: PTB appends the token and ``/method``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def __enter__(self) -> FakeBotApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Wake waiting long polls, stop the server and join its thread."""
        if self._closing.is_set():
            return
        self._closing.set()
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- fault injection -------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail as Telegram would (429 carries retry_after),
        once ``after`` calls of it have succeeded."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        text = description or _DEFAULT_ERRORS.get(error_code, "Error").format(retry_after=retry_after)
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        with self._cond:
            self._faults.setdefault(method.lower(), []).append(
                _Fault(ApiError(error_code, text, parameters), times, after)
            )

    def delay(self, method: str, seconds: float) -> None:
        """Answer every later call of ``method`` after ``seconds`` (0 to stop delaying)."""
        with self._cond:
            self._delays[method.lower()] = seconds

    # -- playing users -------------------------------------------------------------------------------

    def queue_update(self, raw: JSON) -> JSON:
        """Queue an update (given an increasing update_id unless it has one) and return it."""
        with self._cond:
            update = dict(raw)
            update.setdefault("update_id", self._next_update_id)
            self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
            self._pending.append(_Pending(update))
            self.queued_at[update["update_id"]] = time.monotonic()
            self._cond.notify_all()
        return update

    def redeliver(self, update: JSON) -> JSON:
        """Queue the same update (same update_id) again, as Telegram may after a lost confirmation."""
        return self.queue_update(copy.deepcopy(update))

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        language_code: str = "zh-hans",
        entities: list[JSON] | None = None,
    ) -> JSON:
        """A user's text message; returns the queued update."""
        content: JSON = {"text": text} | ({"entities": entities} if entities else {})
        return self._user_message(user_id, chat_id, chat_type, first_name, language_code, content)

    def send_command(self, user_id: int, command: str, **who: Any) -> JSON:
        """A command such as ``/start`` or ``/start payload``, with its bot_command entity."""
        entity = {"type": "bot_command", "offset": 0, "length": len(command.split()[0])}
        return self.send_text(user_id, command, entities=[entity], **who)

    def send_group_text(self, group_chat_id: int, user_id: int, text: str, **who: Any) -> JSON:
        kind = "supergroup" if str(group_chat_id).startswith("-100") else "group"
        return self.send_text(user_id, text, chat_id=group_chat_id, chat_type=kind, **who)

    def send_sticker(self, user_id: int, emoji: str = "👍", **who: Any) -> JSON:
        sticker = self._new_file(b"RIFF-webp", "stickers", ".webp")
        sticker |= {"type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}
        return self._who(user_id, who, {"sticker": sticker | {"emoji": emoji}})

    def send_photo(
        self, user_id: int, content: bytes = b"\xff\xd8fake-jpeg", caption: str | None = None, **who: Any
    ) -> JSON:
        sizes = [
            self._new_file(content, "photos", ".jpg") | {"width": w, "height": h}
            for w, h in ((90, 67), (800, 600))
        ]
        return self._who(user_id, who, {"photo": sizes} | ({"caption": caption} if caption else {}))

    def send_voice(self, user_id: int, content: bytes = b"OggS-fake", duration: int = 3, **who: Any) -> JSON:
        voice = self._new_file(content, "voice", ".oga") | {"duration": duration, "mime_type": "audio/ogg"}
        return self._who(user_id, who, {"voice": voice})

    def send_document(
        self,
        user_id: int,
        content: bytes = b"%PDF-1.4 fake",
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        **who: Any,
    ) -> JSON:
        document = self._new_file(content, "documents", "") | {"file_name": file_name, "mime_type": mime_type}
        return self._who(user_id, who, {"document": document} | ({"caption": caption} if caption else {}))

    def send_location(
        self, user_id: int, latitude: float = 31.2304, longitude: float = 121.4737, **who: Any
    ) -> JSON:
        return self._who(user_id, who, {"location": {"latitude": latitude, "longitude": longitude}})

    def press_button(
        self, user_id: int, message: JSON, callback_data: str, *, forged: bool = False, **who: Any
    ) -> JSON:
        """A callback_query update for a button on a message the bot sent (its current version); `forged`:
        data no button of the message carries, as a modified client can send."""
        with self._cond:
            key = (message["chat"]["id"], message["message_id"])
            current = self._messages.get(key, message)
            rows = current.get("reply_markup", {}).get("inline_keyboard", [])
            datas = [button.get("callback_data") for row in rows for button in row]
            if callback_data not in datas and not forged:
                raise AssertionError(f"message {key} has no button {callback_data!r}; buttons: {datas}")
            user = self._user(user_id, who.get("first_name"), who.get("language_code", "zh-hans"))
            query_id = str(4_000_000_000 + next(self._ids))
            self._queries.add(query_id)
            query = {
                "id": query_id,
                "from": user,
                "message": copy.deepcopy(current),
                "chat_instance": f"-{abs(key[0])}{self.bot_user['id']}",
                "data": callback_data,
            }
            return self.queue_update({"callback_query": query})

    def edit_text(self, update_or_message: JSON, new_text: str) -> JSON:
        """An edited_message update for a user's message (given as itself or as its update)."""
        message = next(
            (update_or_message[k] for k in ("message", "edited_message") if k in update_or_message),
            update_or_message,
        )
        edited = copy.deepcopy(message) | {"text": new_text, "edit_date": int(time.time())}
        with self._cond:
            self._messages[(edited["chat"]["id"], edited["message_id"])] = edited
            return self.queue_update({"edited_message": edited})

    # -- observing the bot ---------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[JSON]:
        """Messages the bot sent (current versions, after edits), optionally for one chat."""
        with self._cond:
            return [m for m in self._sent if chat_id is None or m["chat"]["id"] == chat_id]

    def calls_to(self, method: str) -> list[JSON]:
        """Parameters of every call of ``method`` (any case)."""
        with self._cond:
            return [params for name, params, _ in self.calls if name.lower() == method.lower()]

    def latency(self, update: JSON, message: JSON) -> float:
        """Seconds from the (latest) enqueue of ``update`` to the bot sending ``message``."""
        key = (message["chat"]["id"], message["message_id"])
        return self.sent_at[key] - self.queued_at[update["update_id"]]

    def wait_for(self, predicate: Callable[[FakeBotApi], T], timeout: float = 10, what: str = "") -> T:
        """Block until ``predicate(api)`` is truthy and return it; AssertionError with a dump on timeout."""
        with self._cond:
            result = self._cond.wait_for(lambda: predicate(self), timeout)
            if not result:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what or predicate}\n{self.dump()}"
                )
            return result

    def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 10) -> list[JSON]:
        """Block until the bot has sent at least ``count`` messages to ``chat_id``; returns all of them."""
        return self.wait_for(
            lambda api: sent if len(sent := api.sent(chat_id)) >= count else None,
            timeout,
            f"{count} message(s) to chat {chat_id}",
        )

    async def wait_for_async(
        self, predicate: Callable[[FakeBotApi], T], timeout: float = 10, what: str = ""
    ) -> T:
        """``wait_for`` off the event loop, for tests whose PTB application runs in the same loop."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout, what)

    async def wait_for_messages_async(self, chat_id: int, count: int = 1, timeout: float = 10) -> list[JSON]:
        return await asyncio.to_thread(self.wait_for_messages, chat_id, count, timeout)

    def dump(self) -> str:
        """What the bot sent and the last calls, for failure messages."""
        with self._cond:
            lines = [f"bot sent {len(self._sent)} message(s):"]
            for m in self._sent[-20:]:
                rows = m.get("reply_markup", {}).get("inline_keyboard", [])
                buttons = [b.get("callback_data") for row in rows for b in row]
                body = m.get("text", m.get("caption", "<media>"))
                lines.append(f"  chat {m['chat']['id']} #{m['message_id']}: {body!r} {buttons or ''}")
            lines.append("last calls: " + ", ".join(name for name, _, _ in self.calls[-30:]))
            return "\n".join(lines)

    # -- HTTP ---------------------------------------------------------------------------------------

    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        url = urlsplit(req.path)
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        parts = unquote(url.path).split("/", 3)
        if len(parts) == 4 and parts[1] == "file" and parts[2] == f"bot{self.token}":
            with self._cond:
                found = next((f for f in self._files.values() if f["file_path"] == parts[3]), None)
            if found is not None:
                return self._respond(req, 200, found["content"], "application/octet-stream")
            error = ApiError(404, "Not Found")
        elif len(parts) != 3 or not parts[1].startswith("bot"):
            error = ApiError(404, "Not Found")
        elif parts[1][3:] != self.token:
            error = ApiError(401, "Unauthorized")
        else:
            try:
                params = parse_params(req.headers.get("Content-Type", ""), body, url.query)
            except ValueError as exc:
                error = ApiError(400, f"Bad Request: can't parse request: {exc}")
            else:
                try:
                    result = self._call(parts[2], params)
                    return self._respond(req, 200, json.dumps({"ok": True, "result": result}).encode())
                except ApiError as exc:
                    error = exc
                except (KeyError, TypeError, ValueError) as exc:
                    error = ApiError(400, f"Bad Request: invalid parameters: {exc!r}")
        self._respond(req, error.code, json.dumps(error.payload()).encode())

    @staticmethod
    def _respond(
        req: BaseHTTPRequestHandler, status: int, body: bytes, kind: str = "application/json"
    ) -> None:
        req.send_response(status)
        req.send_header("Content-Type", kind)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    def _call(self, method: str, params: JSON) -> Any:
        """Record, delay, maybe fail, then run the method (an ApiError escapes to ``_serve``)."""
        name = self._methods.get(method.lower(), method)
        with self._cond:
            self.calls.append((name, params, time.monotonic()))
            self._cond.notify_all()
            wait = self._delays.get(method.lower(), 0)
        if wait:
            self._closing.wait(wait)
        with self._cond:
            faults = self._faults.get(method.lower())
            if faults and faults[0].after:
                faults[0].after -= 1
            elif faults:
                faults[0].times -= 1
                fault = faults.pop(0) if faults[0].times <= 0 else faults[0]
                raise fault.error
        if method.lower() not in self._methods:
            raise ApiError(404, "Not Found: method not found")
        return getattr(self, f"_m_{name}")(params)

    # -- helpers --------------------------------------------------------------------------------------

    def _user(self, user_id: int, first_name: str | None, language_code: str | None) -> JSON:
        with self._cond:
            user = self._users.setdefault(
                user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
            )
            if first_name:
                user["first_name"] = first_name
            if language_code:
                user["language_code"] = language_code
            return dict(user)

    def _chat(self, chat_id: int, chat_type: str = "private") -> JSON:
        """A known chat, else a new one: private for positive ids, a group otherwise."""
        with self._cond:
            if chat_id not in self._chats:
                if chat_id > 0 and chat_type == "private":
                    first = self._users.get(chat_id, {}).get("first_name", f"User{chat_id}")
                    self._chats[chat_id] = {"id": chat_id, "type": "private", "first_name": first}
                else:
                    kind = "supergroup" if chat_type == "private" else chat_type
                    self._chats[chat_id] = {"id": chat_id, "type": kind, "title": f"Group {abs(chat_id)}"}
            return dict(self._chats[chat_id])

    def _new_message(self, chat: JSON, sender: JSON, content: JSON) -> JSON:
        with self._cond:
            message_id = self._message_ids[chat["id"]] = self._message_ids.get(chat["id"], 0) + 1
            message = {"message_id": message_id, "from": sender, "chat": chat, "date": int(time.time())}
            message |= content
            self._messages[(chat["id"], message_id)] = message
            return message

    def _user_message(
        self,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        first_name: str | None,
        language_code: str | None,
        content: JSON,
    ) -> JSON:
        if chat_type != "private" and chat_id is None:
            raise ValueError("a group message needs chat_id")
        with self._cond:
            user = self._user(user_id, first_name, language_code)
            chat = self._chat(user_id if chat_id is None else chat_id, chat_type)
            return self.queue_update({"message": copy.deepcopy(self._new_message(chat, user, content))})

    def _who(self, user_id: int, who: JSON, content: JSON) -> JSON:
        return self._user_message(
            user_id,
            who.get("chat_id"),
            who.get("chat_type", "private"),
            who.get("first_name"),
            who.get("language_code", "zh-hans"),
            content,
        )

    def _new_file(self, content: bytes, folder: str, suffix: str) -> JSON:
        """Registers a file (downloadable through getFile) and returns its public fields."""
        with self._cond:
            n = next(self._ids)
            public = {"file_id": f"FILE{n:08d}", "file_unique_id": f"U{n:08d}", "file_size": len(content)}
            self._files[public["file_id"]] = public | {
                "file_path": f"{folder}/file_{n}{suffix}",
                "content": content,
            }
            return dict(public)

    def _file_param(self, value: Any, folder: str) -> JSON:
        """A sent file: an upload, a known file_id or a URL."""
        if isinstance(value, dict):
            suffix = "." + value["filename"].rsplit(".", 1)[-1] if "." in value["filename"] else ""
            return self._new_file(value["content"], folder, suffix) | {
                "file_name": value["filename"],
                "mime_type": value["mime_type"],
            }
        with self._cond:
            if value in self._files:
                return {k: v for k, v in self._files[value].items() if k not in ("file_path", "content")}
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._new_file(b"", folder, "")
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    @staticmethod
    def _plain(text: str, parse_mode: Any) -> str:
        if str(parse_mode).lower() != "html":
            return text
        try:
            return html_to_text(text)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None

    def _bot_message(self, params: JSON, content: JSON) -> JSON:
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            content = content | {"reply_markup": markup}
        with self._cond:
            chat = self._chat(_chat_id(params.get("chat_id")))
            message = self._new_message(chat, self._bot_from(), content)
            key = (chat["id"], message["message_id"])
            self._sent_pos[key] = len(self._sent)
            self._sent.append(message)
            self.sent_at[key] = time.monotonic()
            self._cond.notify_all()
            return message

    def _bot_from(self) -> JSON:
        return {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}

    def _edit(self, params: JSON, changes: JSON) -> JSON | bool:
        if params.get("inline_message_id"):
            return True
        with self._cond:
            key = (_chat_id(params.get("chat_id")), int(params.get("message_id") or 0))
            old = self._messages.get(key)
            if old is None or old["from"]["id"] != self.bot_user["id"]:
                raise ApiError(400, "Bad Request: message to edit not found")
            new = {k: v for k, v in old.items() if k not in ("reply_markup", "edit_date")} | changes
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and markup.get("inline_keyboard"):
                new["reply_markup"] = markup
            if new == {k: v for k, v in old.items() if k != "edit_date"}:
                raise ApiError(400, _NOT_MODIFIED)
            new["edit_date"] = int(time.time())
            self._messages[key] = self._sent[self._sent_pos[key]] = new
            self._cond.notify_all()
            return new

    def _confirm(self, offset: int, allowed: list[str] | None) -> None:
        """Forget updates confirmed by ``offset`` (delivered, id below it) and kinds not allowed."""
        if offset < 0:
            self._pending = self._pending[offset:]
        elif offset:
            self._offset = max(self._offset, offset)  # a redelivered update's offset does not go back
            self._pending = [
                p for p in self._pending if not (p.delivered and p.update["update_id"] < self._offset)
            ]
        if allowed:
            self._pending = [p for p in self._pending if _update_kind(p.update) in allowed]

    # -- Bot API methods (``_m_<name>``; names are matched case-insensitively) -------------------------

    def _m_getMe(self, params: JSON) -> JSON:
        return self.bot_user | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_getUpdates(self, params: JSON) -> list[JSON]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset, limit = int(params.get("offset") or 0), min(max(int(params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), self.max_poll_wait)
        allowed = params.get("allowed_updates") or None
        with self._cond:
            while True:
                self._confirm(offset, allowed)
                batch = self._pending[:limit]
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0 or self._closing.is_set():
                    break
                self._cond.wait(remaining)
            for pending in batch:
                pending.delivered = True
            return [copy.deepcopy(p.update) for p in batch]

    def _m_setWebhook(self, params: JSON) -> bool:
        with self._cond:
            self._webhook_url = str(params.get("url") or "")
        return True

    def _m_deleteWebhook(self, params: JSON) -> bool:
        with self._cond:
            self._webhook_url = ""
            if params.get("drop_pending_updates"):
                self._pending.clear()
        return True

    def _m_getWebhookInfo(self, params: JSON) -> JSON:
        with self._cond:
            return {
                "url": self._webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _m_setMyCommands(self, params: JSON) -> bool:
        with self._cond:
            self._commands[self._commands_key(params)] = list(params.get("commands") or [])
        return True

    def _m_getMyCommands(self, params: JSON) -> list[JSON]:
        with self._cond:
            return self._commands.get(self._commands_key(params), [])

    def _m_deleteMyCommands(self, params: JSON) -> bool:
        with self._cond:
            self._commands.pop(self._commands_key(params), None)
        return True

    def _m_sendMessage(self, params: JSON) -> JSON:
        text = self._plain(str(params.get("text") or ""), params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._bot_message(params, {"text": text})

    def _m_editMessageText(self, params: JSON) -> JSON | bool:
        text = self._plain(str(params.get("text") or ""), params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        return self._edit(params, {"text": text})

    def _m_editMessageReplyMarkup(self, params: JSON) -> JSON | bool:
        return self._edit(params, {})

    def _m_deleteMessage(self, params: JSON) -> bool:
        return True

    def _m_answerCallbackQuery(self, params: JSON) -> bool:
        with self._cond:
            if str(params.get("callback_query_id")) not in self._queries:
                raise ApiError(
                    400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
                )
        return True

    def _m_sendChatAction(self, params: JSON) -> bool:
        self._chat(_chat_id(params.get("chat_id")))
        return True

    def _caption(self, params: JSON) -> JSON:
        caption = params.get("caption")
        return {"caption": self._plain(str(caption), params.get("parse_mode"))} if caption else {}

    def _m_sendDocument(self, params: JSON) -> JSON:
        document = self._file_param(params.get("document"), "documents")
        return self._bot_message(params, {"document": document} | self._caption(params))

    def _m_sendPhoto(self, params: JSON) -> JSON:
        photo = self._file_param(params.get("photo"), "photos")
        photo = {k: v for k, v in photo.items() if k not in ("file_name", "mime_type")}
        return self._bot_message(
            params, {"photo": [photo | {"width": 800, "height": 600}]} | self._caption(params)
        )

    def _m_getChat(self, params: JSON) -> JSON:
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        chat = self._chat(_chat_id(params.get("chat_id")))
        return chat | {"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}

    def _m_getFile(self, params: JSON) -> JSON:
        with self._cond:
            found = self._files.get(str(params.get("file_id")))
            if found is None:
                raise ApiError(400, "Bad Request: invalid file_id")
            return {k: v for k, v in found.items() if k != "content"}
