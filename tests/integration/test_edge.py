"""The stack's edge: Rasa's HTTP API, its REST channel and the action server answer only the front desk's
own processes, refuse malformed input with 4xx, and bound what NLU reads, for every talent's sake."""

from __future__ import annotations

import json
import os
import random
import subprocess
import threading
import time
import uuid

import httpx
import pytest

from frontdesk.config import PROJECT_ROOT
from frontdesk.edge import SECRET_HEADER
from launcher.serve import RASA_PYTHON, channel_headers

pytestmark = pytest.mark.integration


def sender() -> str:
    return f"test:{uuid.uuid4().hex[:8]}"


def webhook(stack) -> str:
    return f"{stack.settings.rasa_base_url}/webhooks/rest/webhook"


def post(stack, content: str | bytes, *, content_type: str = "application/json", secret: bool = True):
    headers = {"Content-Type": content_type, **(channel_headers(stack.settings) if secret else {})}
    return httpx.post(webhook(stack), content=content, headers=headers, timeout=30)


def random_chinese(count: int) -> str:
    generator = random.Random(count)
    return "".join(chr(generator.randint(0x4E00, 0x9FA5)) for _ in range(count))


def test_rasa_http_api_needs_the_token(stack):
    url = f"{stack.settings.rasa_base_url}/conversations/{sender()}/tracker"
    assert httpx.get(url, timeout=30).status_code in {401, 403}
    assert httpx.get(url, params={"token": "guess"}, timeout=30).status_code in {401, 403}
    events = f"{stack.settings.rasa_base_url}/conversations/{sender()}/tracker/events"
    slot = {"event": "slot", "name": "talent_tier", "value": "A类"}
    assert httpx.post(events, json=slot, timeout=30).status_code in {401, 403}
    assert stack.tracker(sender())["sender_id"].startswith("test:")  # with the token


def test_rest_channel_needs_the_secret(stack):
    message = {"sender": sender(), "message": "你好"}
    assert httpx.post(webhook(stack), json=message, timeout=30).status_code == 401
    wrong = httpx.post(webhook(stack), json=message, headers={SECRET_HEADER: "guess"}, timeout=30)
    assert wrong.status_code == 403 and wrong.json() == {"error": f"wrong {SECRET_HEADER}"}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_rest_channel_takes_only_json(stack, content_type):
    message = json.dumps({"sender": sender(), "message": "你好"})
    assert post(stack, message, content_type=content_type).status_code == 415
    assert post(stack, message, content_type=content_type, secret=False).status_code in {401, 415}


@pytest.mark.parametrize(
    "content",
    [
        "",
        "[1, 2]",
        '"hello"',
        "null",
        "{",
        '{"sender": "test:1"}',
        '{"sender": "test:1", "message": 31415}',
        '{"sender": "test:1", "message": "\\u0000\\u0001"}',
        '{"sender": "someone", "message": "hi"}',
        '{"sender": "test:1", "message": "hi", "metadata": {"message_id": 5}}',
    ],
)
def test_malformed_bodies_get_400_with_a_short_error(stack, content):
    response = post(stack, content)
    assert response.status_code == 400 and set(response.json()) == {"error"}


def test_only_the_message_id_of_the_metadata_reaches_the_conversation(stack):
    talent = sender()
    message = {"sender": talent, "message": "你好", "metadata": {"message_id": "k-1", "other": "x" * 5000}}
    assert post(stack, json.dumps(message)).status_code == 200
    assert stack.tracker(talent)["latest_message"]["metadata"] == {"message_id": "k-1"}


def test_a_hundred_thousand_characters_are_answered_in_seconds_from_their_beginning(stack):
    talent = sender()
    started = time.monotonic()
    assert stack.say(talent, random_chinese(100_000))
    assert time.monotonic() - started < 5
    assert len(stack.tracker(talent)["latest_message"]["text"]) <= stack.settings.max_message_chars


def test_text_that_normalisation_expands_is_bounded_too(stack):
    started = time.monotonic()
    assert stack.say(sender(), "\ufdfa" * 5000)  # NFKC: 18 characters each
    assert time.monotonic() - started < 5
    parsed = httpx.post(  # the HTTP API reaches NLU without the channel: the pipeline bounds it itself
        f"{stack.settings.rasa_base_url}/model/parse",
        params={"token": stack.settings.rasa_token.get_secret_value()},
        json={"text": "\ufdfa" * 5000},
        timeout=30,
    )
    assert len(parsed.json()["text"]) <= stack.settings.max_message_chars


def test_long_messages_do_not_hold_up_other_talents(stack):
    latencies: list[float] = []
    done = threading.Event()

    def other_talent() -> None:
        while not done.is_set():
            started = time.monotonic()
            stack.say(sender(), "人才绿卡有效期多久")
            latencies.append(time.monotonic() - started)

    thread = threading.Thread(target=other_talent)
    thread.start()
    try:
        for _ in range(3):
            stack.say(sender(), random_chinese(100_000))
    finally:
        done.set()
        thread.join()
    assert latencies and max(latencies) < 3


def test_no_talent_text_in_the_logs(stack):
    marker = f"XQ{uuid.uuid4().hex[:12]}"
    stack.say(sender(), f"我的编号是{marker}，人才公寓怎么申请")
    post(stack, json.dumps({"sender": sender(), "message": 27182818284590}))  # Rasa's REST channel logged it
    for log in ("rasa.log", "actions.log"):
        text = (stack.log_dir / log).read_text(encoding="utf-8", errors="replace")
        assert marker not in text and "27182818284590" not in text


def test_the_action_server_answers_only_rasa(stack):
    url = f"http://127.0.0.1:{stack.settings.actions_port}"
    assert httpx.get(f"{url}/health", timeout=30).status_code == 200
    call = {"next_action": "action_respond", "sender_id": sender(), "tracker": {}, "domain": {}}
    assert httpx.post(f"{url}/webhook", json=call, timeout=30).status_code == 401
    wrong = {SECRET_HEADER: "guess"}
    assert httpx.post(f"{url}/webhook", json=call, headers=wrong, timeout=30).status_code == 403
    plain = {**channel_headers(stack.settings), "Content-Type": "text/plain"}
    assert (
        httpx.post(f"{url}/webhook", content=json.dumps(call), headers=plain, timeout=30).status_code == 415
    )
    assert httpx.get(f"{url}/actions", timeout=30).status_code == 401


def test_nothing_a_web_page_sends_is_taken(stack):
    base, token = stack.settings.rasa_base_url, stack.settings.rasa_token.get_secret_value()
    page = {"Origin": "http://example.org"}
    message = {"sender": sender(), "message": "你好"}
    headers = {**channel_headers(stack.settings), **page}
    assert httpx.post(webhook(stack), json=message, headers=headers, timeout=30).status_code == 403
    tracker = f"{base}/conversations/{sender()}/tracker"
    assert httpx.get(tracker, params={"token": token}, headers=page, timeout=30).status_code == 403
    cross_site = {"Sec-Fetch-Site": "cross-site"}
    assert httpx.get(tracker, params={"token": token}, headers=cross_site, timeout=30).status_code == 403
    plain = {"Content-Type": "text/plain"}
    intent = json.dumps({"name": "ask_housing"})
    trigger = f"{base}/conversations/{sender()}/trigger_intent"
    assert httpx.post(trigger, params={"token": token}, content=intent, headers=plain).status_code == 415
    parse = f"{base}/model/parse"
    assert (
        httpx.post(parse, params={"token": token}, content='{"text": "hi"}', headers=plain).status_code == 415
    )
    actions = f"http://127.0.0.1:{stack.settings.actions_port}/webhook"
    call = {"next_action": "action_respond", "sender_id": sender(), "tracker": {}, "domain": {}}
    secret_from_a_page = {**channel_headers(stack.settings), **cross_site}
    assert httpx.post(actions, json=call, headers=secret_from_a_page, timeout=30).status_code == 403


CHANNEL_CHECK = """
import json, os
from types import SimpleNamespace
from sanic.compat import Header
from frontdesk.edge import Refused
from nlu.channels.frontdesk_rest import FrontdeskRestInput

def status(headers, sender):
    request = SimpleNamespace(
        method="POST",
        headers=Header({"content-type": "application/json", **headers}),
        body=json.dumps({"sender": sender, "message": "hi"}).encode(),
    )
    try:
        channel.checked(request)
        return 200
    except Refused as refusal:
        return refusal.status

os.environ.update(RASA_CHANNEL_SECRET="s3cret", RASA_OPEN_FOR_EVALUATION="1")
channel = FrontdeskRestInput.from_credentials(None)
print(status({}, "dlg-c01-1a2b"), status({}, "telegram:42"))
print(status({"X-Frontdesk-Secret": "s3cret"}, "telegram:42"))
print(status({"X-Frontdesk-Secret": "guess"}, "dlg-c01-1a2b"))
os.environ.update(RASA_OPEN_FOR_EVALUATION="0")
channel = FrontdeskRestInput.from_credentials(None)
print(status({}, "dlg-c01-1a2b"))
del os.environ["RASA_CHANNEL_SECRET"]
try:
    FrontdeskRestInput.from_credentials(None)
except Exception as exc:
    print(type(exc).__name__)
"""


def test_evaluation_mode_opens_the_channel_to_bare_sender_ids_only_and_a_channel_without_a_secret_fails():
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", CHANNEL_CHECK],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["200", "400", "200", "403", "401", "RasaException"]


TOKEN_CHECK = """
from rasa.cli.run import add_subparser
import argparse
from nlu.rasa_cli import with_token

parser = argparse.ArgumentParser()
add_subparser(parser.add_subparsers(), parents=[])
print(parser.parse_args(with_token(["run", "--enable-api"], "-Xy_1")).auth_token)
"""


def test_a_generated_token_that_starts_with_a_dash_reaches_rasa_whole():
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", TOKEN_CHECK],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-1] == "-Xy_1"
