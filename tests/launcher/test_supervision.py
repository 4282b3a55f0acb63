"""The process supervisor: services die with it however it dies, stop together, a crashed one is restarted
with backoff while the others run on, and a taken port is named."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from itertools import pairwise
from pathlib import Path

import psutil
import pytest

from launcher.serve import RestartPolicy, Service, StartupError, _supervise, check_ports_free, stop_all

IGNORES_TERM = [
    sys.executable,
    "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)",
]

QUICK = RestartPolicy(first_backoff=0.2, max_backoff=0.5, stable_after=30, crash_limit=5, window=60)


def crashing(runs: Path, *, run_for: float = 0.0, longer_on_run: int = -1) -> list[str]:
    """A service that notes when it started in `runs` and exits with code 3 after `run_for` seconds
    (`longer_on_run`, counted from 0, runs 0.8 s)."""
    script = f"""
import sys, time
from pathlib import Path
runs = Path({str(runs)!r})
run = len(runs.read_text().split()) if runs.exists() else 0
with runs.open("a") as out:
    out.write(f"{{time.monotonic()}}\\n")
time.sleep(0.8 if run == {longer_on_run} else {run_for})
sys.exit(3)
"""
    return [sys.executable, "-c", script]


def starts(runs: Path) -> list[float]:
    return [float(line) for line in runs.read_text().split()]


def messages(caplog: pytest.LogCaptureFixture, part: str) -> list[str]:
    return [record.getMessage() for record in caplog.records if part in record.getMessage()]


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


def test_a_crashed_service_is_restarted_with_backoff_while_the_others_run_until_it_crashes_too_often(
    tmp_path, caplog
):
    runs = tmp_path / "runs"
    crasher = Service("crasher", crashing(runs), dict(os.environ), None)
    steady = Service("steady", ["sleep", "60"], {"PATH": "/usr/bin:/bin"}, None)
    services = [crasher, steady]
    try:
        with caplog.at_level(logging.INFO, logger="launcher.serve"):
            for service in services:
                service.start()
            steady_pid = steady.process.pid
            with pytest.raises(StartupError, match=r"crasher crashed 5 times within 60 s .*stopping"):
                _supervise(services, policy=QUICK, poll=0.02)
        assert steady.exited() is None and steady.process.pid == steady_pid  # never touched
        gaps = [later - earlier for earlier, later in pairwise(starts(runs))]
        assert len(gaps) == 4
        for gap, backoff in zip(gaps, (0.2, 0.4, 0.5, 0.5), strict=True):  # doubling, capped
            assert backoff <= gap < backoff + 1.5
        crashes = messages(caplog, "crasher exited with code 3")
        assert len(crashes) == 4 and "restarting in 0.2 s" in crashes[0] and "in 0.5 s" in crashes[3]
        assert len(messages(caplog, "crasher started")) == 5 and not messages(caplog, "steady exited")
    finally:
        stop_all(services, grace=1.0)


def test_the_backoff_starts_afresh_once_a_service_has_run_a_while(tmp_path, caplog):
    runs = tmp_path / "runs"
    crasher = Service("crasher", crashing(runs, longer_on_run=3), dict(os.environ), None)
    policy = RestartPolicy(first_backoff=0.2, max_backoff=5, stable_after=0.5, crash_limit=5, window=60)
    try:
        with caplog.at_level(logging.INFO, logger="launcher.serve"):
            crasher.start()
            with pytest.raises(StartupError, match="crashed 5 times"):
                _supervise([crasher], policy=policy, poll=0.02)
        *_, last = [later - earlier for earlier, later in pairwise(starts(runs))]
        assert 0.8 + 0.2 <= last < 0.8 + 1.0  # not 0.8 s of running + the 1.6 s the backoff had reached
        backoffs = [message.rsplit("restarting in ", 1)[1] for message in messages(caplog, "exited")]
        assert backoffs == ["0.2 s", "0.4 s", "0.8 s", "0.2 s"]
    finally:
        stop_all([crasher], grace=1.0)


def test_the_workers_a_crashed_service_left_behind_are_killed_before_it_restarts(tmp_path):
    workers, seen = tmp_path / "workers", tmp_path / "seen"
    script = f"""
import subprocess, sys
from pathlib import Path
import psutil

def alive(pid):
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False

workers = Path({str(workers)!r})
earlier = [int(pid) for pid in workers.read_text().split()] if workers.exists() else []
with Path({str(seen)!r}).open("a") as out:
    out.write(f"{{sum(map(alive, earlier))}}\\n")
worker = subprocess.Popen(["sleep", "60"])  # outlives this process, in its group
with workers.open("a") as out:
    out.write(f"{{worker.pid}}\\n")
sys.exit(1)
"""
    service = Service("leaves workers", [sys.executable, "-c", script], dict(os.environ), None)
    policy = RestartPolicy(first_backoff=0.2, max_backoff=0.2, stable_after=30, crash_limit=3, window=60)
    try:
        service.start()
        with pytest.raises(StartupError, match="crashed 3 times"):
            _supervise([service], policy=policy, poll=0.02)
        assert seen.read_text().split() == ["0", "0", "0"]  # no earlier worker alive at any restart
        assert all(gone(int(pid)) for pid in workers.read_text().split())
    finally:
        stop_all([service], grace=1.0)


class Interrupted(Exception):
    """What the test's alarm raises in the supervisor, as SIGTERM raises KeyboardInterrupt in `run`."""


def test_a_service_that_crashes_now_and_then_is_restarted_for_as_long_as_the_front_desk_runs(tmp_path):
    runs = tmp_path / "runs"
    service = Service("flaky", crashing(runs, run_for=0.4), dict(os.environ), None)
    policy = RestartPolicy(first_backoff=0.05, max_backoff=1, stable_after=0.3, crash_limit=3, window=0.8)

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        service.start()
        signal.setitimer(signal.ITIMER_REAL, 3.0)
        with pytest.raises(Interrupted):  # never "crashed too often": two crashes at most in any 0.8 s
            _supervise([service], policy=policy, poll=0.02)
        assert len(starts(runs)) >= 4
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        stop_all([service], grace=1.0)
