"""The README's main job: the whole front desk with the local chat, driven through its terminal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

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
