"""The README's main job: the whole front desk with the local chat, driven through its terminal."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from frontdesk.config import PROJECT_ROOT
from launcher.serve import free_port

pytestmark = pytest.mark.integration


def test_demo_chat_answers_opens_a_ticket_and_stops_cleanly(tmp_path):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}",
        RASA_PORT=str(free_port()),
        ACTIONS_PORT=str(free_port()),
        BACKOFFICE_PORT=str(free_port()),
        WEBCHAT_PORT=str(free_port()),
    )
    env.pop("TELEGRAM_BOT_TOKEN", None)
    lines = "博乐市的人才公寓怎么申请？\n我要找人工\n今天天气怎么样\n/quit\n"
    result = subprocess.run(
        [sys.executable, "-m", "launcher.serve", "--chat"],
        input=lines,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "您 > " in out
    assert "依据：《博乐市人才公寓管理办法（试行）》" in out
    assert "已为您登记服务工单 GC-" in out
    assert "不在人才绿卡服务窗口的服务范围内" in out
    assert "再见 / Goodbye" in out
    for port in (env["RASA_PORT"], env["ACTIONS_PORT"]):  # the servers were stopped with the chat
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", int(port))) != 0


def test_the_demo_keeps_the_contract_open_for_evaluators_on_this_machine(tmp_path):
    """`make serve` on the defaults: /model/parse and the REST channel as Rasa defines them (evaluators send
    no token or secret), but nothing a web page sends, and no sender id of the front desk's channels."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RASA_", "TELEGRAM_"))}
    rasa = f"http://127.0.0.1:{free_port()}"
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}",
        RASA_PORT=rasa.rsplit(":", 1)[1],
        ACTIONS_PORT=str(free_port()),
        BACKOFFICE_PORT=str(free_port()),
        WEBCHAT_PORT=str(free_port()),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "launcher.serve"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_model(rasa, server)
        parsed = httpx.post(f"{rasa}/model/parse", json={"text": "人才公寓怎么申请"}, timeout=30)
        assert parsed.status_code == 200 and parsed.json()["intent"]["name"] == "ask_housing"
        answer = httpx.post(
            f"{rasa}/webhooks/rest/webhook",
            json={"sender": "dlg-demo-1", "message": "博乐市的人才公寓怎么申请？"},
            timeout=30,
        )
        assert answer.status_code == 200
        assert any(item.get("custom", {}).get("type") == "kb_answer" for item in answer.json())
        posing = {"sender": "telegram:42", "message": "你好"}
        assert httpx.post(f"{rasa}/webhooks/rest/webhook", json=posing, timeout=30).status_code == 400
        page = {"Origin": "http://example.org"}
        tracker = f"{rasa}/conversations/dlg-demo-1/tracker"
        assert httpx.get(tracker, headers=page, timeout=30).status_code == 403
        signs_in_to_the_back_office(tmp_path, f"http://127.0.0.1:{env['BACKOFFICE_PORT']}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def wait_for_model(rasa: str, server: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "the front desk exited"
        try:
            if httpx.get(f"{rasa}/status", timeout=2).json().get("model_id"):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    pytest.fail("the demo's Rasa server did not load its model")


def signs_in_to_the_back_office(folder, url: str) -> None:
    """The demo's back-office accounts (in a file beside the database, for this user only) sign in."""
    accounts = folder / "demo-accounts.txt"
    assert accounts.stat().st_mode & 0o077 == 0
    person_id, password, _ = accounts.read_text(encoding="utf-8").splitlines()[1].split("\t")
    with httpx.Client(base_url=url, timeout=30) as browser:
        form = browser.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        signed = browser.post("/login", data={"person_id": person_id, "password": password, "csrf": csrf})
        assert signed.status_code == 303
        assert browser.get("/queue").status_code == 200
