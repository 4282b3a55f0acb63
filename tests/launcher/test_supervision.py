"""The process supervisor: services die with it however it dies, stop together, and a taken port is named."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from launcher.serve import Service, StartupError, check_ports_free, stop_all

IGNORES_TERM = [
    sys.executable,
    "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)",
]


def gone(pid: int, *, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.05)
    return False


def test_a_service_dies_when_the_supervisor_is_killed_hard(tmp_path):
    pid_file = tmp_path / "service.pid"
    supervisor = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import time
                from launcher.serve import Service
                service = Service("sleeper", ["sleep", "60"], {{"PATH": "/usr/bin:/bin"}}, None)
                service.start()
                open({str(pid_file)!r}, "w").write(str(service.process.pid))
                time.sleep(60)
                """
            ),
        ],
        cwd=os.getcwd(),
    )
    try:
        deadline = time.monotonic() + 20
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the supervisor did not start its service"
            time.sleep(0.05)
        service_pid = int(pid_file.read_text())
        supervisor.send_signal(signal.SIGKILL)
        supervisor.wait()
        assert gone(service_pid)
    finally:
        supervisor.kill()


def test_services_stop_together_and_stubborn_ones_are_killed():
    services = [Service(f"stubborn {n}", IGNORES_TERM, dict(os.environ), None) for n in range(3)]
    for service in services:
        service.start()
    time.sleep(0.5)  # let them install their SIGTERM handler
    started = time.monotonic()
    stop_all(services, grace=1.0)
    assert time.monotonic() - started < 2.5  # one grace period for all, not one each
    assert all(service.exited() is not None for service in services)


def test_a_worker_left_behind_by_an_exited_service_is_stopped_with_its_group(tmp_path):
    pid_file = tmp_path / "worker.pid"
    command = ["sh", "-c", f"sleep 60 & echo $! > {pid_file}; exit 0"]
    service = Service("leaves a worker", command, {"PATH": "/usr/bin:/bin"}, None)
    service.start()
    service.process.wait(5)
    worker = int(pid_file.read_text())
    assert psutil.pid_exists(worker)
    stop_all([service], grace=1.0)
    assert gone(worker)


def test_a_port_in_use_is_reported_with_its_holder_before_anything_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(
            StartupError, match=rf"port {port} is in use by pid {os.getpid()}: .*ACTIONS_PORT"
        ):
            check_ports_free({"ACTIONS_PORT": port})
