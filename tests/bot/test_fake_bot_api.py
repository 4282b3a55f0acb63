"""The fake Bot API server: raw HTTP behaviour, and a real python-telegram-bot application polling it."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseRateLimiter,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from tests.fake_bot_api import FakeBotApi


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(token="123:TEST") as api:
        yield api


def call(
    api: FakeBotApi, method: str, *, form: dict | None = None, body: Any = None, token: str | None = None
) -> tuple[int, dict]:
    """One raw HTTP request: a JSON body, a form body, or a GET without either."""
    data, headers = None, {}
    if body is not None:
        data, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    request = urllib.request.Request(f"{api.base_url}{token or api.token}/{method}", data, headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# -- raw HTTP ------------------------------------------------------------------------------------


def test_methods_answer_like_telegram(api: FakeBotApi) -> None:
    status, me = call(api, "GETME")
    assert status == 200 and me["result"]["is_bot"] and me["result"]["username"] == "test_frontdesk_bot"
    assert call(api, "noSuchMethod") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    assert call(api, "getMe", token="123:WRONG")[0] == 401
    keyboard = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    status, sent = call(
        api, "sendMessage", body={"chat_id": 42, "text": "hi", "reply_markup": json.dumps(keyboard)}
    )
    assert status == 200 and sent["result"]["reply_markup"] == keyboard
    status, second = call(api, "sendMessage", form={"chat_id": "42", "text": "123"})
    assert second["result"]["text"] == "123" and second["result"]["message_id"] == 2
    assert [m["text"] for m in api.sent(42)] == ["hi", "123"]
    assert [name for name, _, _ in api.calls] == ["getMe", "noSuchMethod", "sendMessage", "sendMessage"]


def test_html_is_parsed_and_bad_html_refused(api: FakeBotApi) -> None:
    _, ok = call(api, "sendMessage", form={"chat_id": 1, "text": "<b>a</b> &lt;3", "parse_mode": "HTML"})
    assert ok["result"]["text"] == "a <3"
    status, bad = call(api, "sendMessage", form={"chat_id": 1, "text": "<b>a", "parse_mode": "HTML"})
    assert status == 400 and bad["description"].startswith("Bad Request: can't parse entities")


def test_get_updates_honours_offset_limit_and_timeout(api: FakeBotApi) -> None:
    ids = [api.send_text(7, f"m{i}")["update_id"] for i in range(3)]
    assert ids == sorted(ids)
    _, first = call(api, "getUpdates", form={"limit": 2})
    assert [u["update_id"] for u in first["result"]] == ids[:2]
    _, rest = call(api, "getUpdates", form={"offset": ids[1] + 1, "timeout": 5})
    assert [u["update_id"] for u in rest["result"]] == ids[2:]

    started = time.monotonic()
    _, empty = call(api, "getUpdates", form={"offset": ids[2] + 1, "timeout": 0.2})
    assert empty["result"] == [] and 0.15 < time.monotonic() - started < 1

    threading.Timer(0.2, api.send_text, (7, "late")).start()
    started = time.monotonic()
    _, woken = call(api, "getUpdates", form={"offset": ids[2] + 1, "timeout": 5})
    assert woken["result"][0]["message"]["text"] == "late" and time.monotonic() - started < 0.9


def test_injected_faults_and_delays(api: FakeBotApi) -> None:
    api.fail_next("sendMessage", error_code=429, retry_after=3)
    api.fail_next("sendMessage", error_code=403, times=2)
    status, error = call(api, "sendMessage", form={"chat_id": 1, "text": "x"})
    assert (status, error["parameters"]) == (429, {"retry_after": 3})
    for _ in range(2):
        assert call(api, "sendMessage", form={"chat_id": 1, "text": "x"})[1]["description"] == (
            "Forbidden: bot was blocked by the user"
        )
    assert call(api, "sendMessage", form={"chat_id": 1, "text": "x"})[0] == 200

    api.delay("getMe", 0.2)
    started = time.monotonic()
    call(api, "getMe")
    assert time.monotonic() - started >= 0.2


def test_wait_for_times_out_with_a_dump_and_close_wakes_long_polls() -> None:
    api = FakeBotApi()
    call(api, "sendMessage", form={"chat_id": 5, "text": "only one"})
    with pytest.raises(AssertionError, match="only one"):
        api.wait_for_messages(5, count=2, timeout=0.1)

    api.max_poll_wait = 30
    poll = threading.Thread(target=call, args=(api, "getUpdates"), kwargs={"form": {"timeout": 30}})
    poll.start()
    api.wait_for(lambda a: a.calls_to("getUpdates"), timeout=2)
    started = time.monotonic()
    api.close()
    poll.join(timeout=5)
    assert not poll.is_alive() and time.monotonic() - started < 2


async def test_ptb_bot_reads_the_fake_objects(api: FakeBotApi) -> None:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        assert (await bot.get_me()).can_join_groups
        assert (await bot.get_chat(42)).type == "private"
        sent = await bot.send_document(42, b"\x00binary\xff", filename="a.bin")
        file = await bot.get_file(sent.document.file_id)
        assert await file.download_as_bytearray() == b"\x00binary\xff"
        await bot.set_my_commands([("start", "开始")])
        assert [c.command for c in await bot.get_my_commands()] == ["start"]
        api.fail_next("sendMessage", error_code=400)
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(42, "x")
        api.fail_next("sendMessage", error_code=403)
        with pytest.raises(Forbidden):
            await bot.send_message(42, "x")


# -- a real PTB application polling the fake -------------------------------------------------------

AGAIN = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message and update.message.text
    await update.message.reply_text(f"echo: {update.message.text}", reply_markup=AGAIN)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query and query.message
    await query.answer()
    await context.bot.send_message(query.message.chat.id, f"pressed {query.data}")


@contextlib.asynccontextmanager
async def polling_bot(
    api: FakeBotApi, rate_limiter: BaseRateLimiter | None = None
) -> AsyncIterator[list[int]]:
    """A running PTB application with echo and button handlers; yields the update_ids it has seen."""
    builder = Application.builder().token(api.token).base_url(api.base_url).base_file_url(api.base_file_url)
    app = (builder.rate_limiter(rate_limiter) if rate_limiter else builder).build()
    seen: list[int] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)

    app.add_handler(TypeHandler(Update, record), group=-1)
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(button))
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield seen
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_text_gets_a_reply(api: FakeBotApi) -> None:
    async with polling_bot(api):
        update = api.send_text(42, "你好", first_name="小王")
        [reply] = await api.wait_for_messages_async(42, timeout=3)
    assert reply["text"] == "echo: 你好"
    assert reply["from"]["is_bot"] and reply["chat"] == {"id": 42, "type": "private", "first_name": "小王"}
    assert reply["reply_markup"] == AGAIN.to_dict()
    assert 0 < api.latency(update, reply) < 3


async def test_button_press_is_answered(api: FakeBotApi) -> None:
    async with polling_bot(api):
        api.send_text(42, "hi")
        [reply] = await api.wait_for_messages_async(42, timeout=3)
        press = api.press_button(42, reply, "again")
        messages = await api.wait_for_messages_async(42, count=2, timeout=3)
    assert messages[1]["text"] == "pressed again"
    assert [p["callback_query_id"] for p in api.calls_to("answerCallbackQuery")] == [
        press["callback_query"]["id"]
    ]


@pytest.mark.filterwarnings("ignore:.*retry_after:telegram.warnings.PTBDeprecationWarning")
async def test_rate_limiter_retries_after_a_429(api: FakeBotApi) -> None:
    api.fail_next("sendMessage", error_code=429, retry_after=1)
    async with polling_bot(api, AIORateLimiter(max_retries=1)):
        api.send_text(42, "hi")
        [reply] = await api.wait_for_messages_async(42, timeout=3)
    assert reply["text"] == "echo: hi"
    attempts = [at for name, _, at in api.calls if name == "sendMessage"]
    assert len(attempts) == 2 and attempts[1] - attempts[0] >= 1


async def test_a_redelivered_update_reaches_the_bot_again(api: FakeBotApi) -> None:
    async with polling_bot(api) as seen:
        update = api.send_text(42, "once")
        await api.wait_for_messages_async(42, timeout=3)
        api.redeliver(update)
        await api.wait_for_messages_async(42, count=2, timeout=3)
    assert seen == [update["update_id"], update["update_id"]]
