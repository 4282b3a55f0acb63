"""Process supervisor: database ready, then the action server, the Rasa server, the back office, the web
chat and (with a token) the bot.

`python -m launcher.serve` runs them in the foreground until Ctrl-C or SIGTERM;
`--chat` also opens the local terminal chat and stops everything when the chat ends.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import datetime as dt
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx
import psutil
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from analytics import scheduled as analytics_scheduled
from conversations import scheduled as conversations_scheduled
from frontdesk.config import PROJECT_ROOT, VAR_DIR, Settings, get_settings
from frontdesk.database import get_engine, holds_lock, session_scope
from frontdesk.edge import SECRET_HEADER
from inbox import scheduled as inbox_scheduled
from launcher.prepare import prepare_database, prepare_demo_office, prepare_tracker_store
from tickets import scheduled
from tickets import service as ticket_service

log = logging.getLogger("launcher.serve")

MODEL_PATH = PROJECT_ROOT / "models" / "frontdesk.tar.gz"
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = RASA_BIN.with_name("python")
RASA_MAX_REQUEST_BYTES = 1_048_576  # Sanic's limit for Rasa's requests (a 100,000-character message fits)
READY_TIMEOUT_SECONDS = 240
STOP_GRACE_SECONDS = 10  # all services are stopped together: within this, then killed
_PR_SET_PDEATHSIG = 1  # prctl(2)
SWEEP_INTERVAL_SECONDS = 60
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for tests and benchmarks)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StartupError(RuntimeError):
    """A service could not be started; the message says what to do."""


def _die_with_the_supervisor() -> None:
    """In a service's process before it runs: a session of its own (so its whole group can be stopped),
    and SIGTERM when the supervisor dies, however it dies (SIGKILL included). Linux sends it when the
    thread that started the service ends: services are started from the supervisor's main thread."""
    os.setsid()
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def check_ports_free(ports: dict[str, int]) -> None:
    """Fail before anything starts when a port the front desk needs is taken, naming who holds it."""
    for variable, port in ports.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
                continue
            except OSError:
                pass
        holder = next(
            (
                f" by pid {connection.pid}"
                for connection in psutil.net_connections(kind="tcp")
                if connection.laddr
                and connection.laddr.port == port
                and connection.status == psutil.CONN_LISTEN
                and connection.pid
            ),
            "",
        )
        raise StartupError(f"port {port} is in use{holder}: stop it or set {variable}")


@dataclass
class Service:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path | None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0  # time.monotonic() of the last start

    def start(self) -> None:
        """Start (or restart) the service; call it from the supervisor's main thread."""
        with contextlib.ExitStack() as stack:
            output = None
            if self.log_path is not None:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                output = stack.enter_context(self.log_path.open("ab"))  # the service keeps its own copy
            self.process = subprocess.Popen(
                self.command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                preexec_fn=_die_with_the_supervisor,
            )
        self.started_at = time.monotonic()
        log.info("%s started (pid %d)%s", self.name, self.process.pid, self.log_hint())

    def log_hint(self) -> str:
        return f", log: {self.log_path}" if self.log_path else ""

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def signal_group(self, signum: int) -> None:
        """Signal the service's whole process group, also when its first process has already exited
        (a worker it left behind would hold its port)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def stop(self) -> None:
        stop_all([self])


def stop_all(services: list[Service], *, grace: float = STOP_GRACE_SECONDS) -> None:
    """Stop the services together: SIGTERM to every group, then SIGKILL to what is left after `grace`."""
    running = [service for service in services if service.process is not None]
    for service in running:
        service.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for service in running:
        assert service.process is not None
        try:
            service.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0f s: killed", service.name, grace)
        service.signal_group(signal.SIGKILL)
        service.process.wait()
        log.info("%s stopped", service.name)


def with_secrets(settings: Settings) -> Settings:
    """`settings` with the channel secret and (unless open for evaluation) Rasa's API token, each
    generated for this run when unset."""
    names = ["rasa_channel_secret"] + ([] if settings.open_for_evaluation else ["rasa_token"])
    generated = {
        name: SecretStr(secrets.token_urlsafe(32)) for name in names if getattr(settings, name) is None
    }
    return settings.model_copy(update=generated)


def channel_headers(settings: Settings) -> dict[str, str]:
    """The headers of a request to Rasa's REST channel (the shared secret)."""
    if settings.rasa_channel_secret is None:
        raise ValueError("settings without the channel secret: pass with_secrets(settings)")
    return {SECRET_HEADER: settings.rasa_channel_secret.get_secret_value()}


def lock_store_environment(url: str | None) -> dict[str, str]:
    """The lock_store of endpoints.yml: Rasa's Redis lock store at `url`, else its in-memory lock."""
    if url is None:
        return {
            "LOCK_STORE_TYPE": "in_memory",
            "LOCK_STORE_HOST": "",
            "LOCK_STORE_PORT": "0",
            "LOCK_STORE_DB": "0",
        }
    parsed = make_url(url)
    return {
        "LOCK_STORE_TYPE": "redis",
        "LOCK_STORE_HOST": parsed.host or "127.0.0.1",
        "LOCK_STORE_PORT": str(parsed.port or 6379),
        "LOCK_STORE_DB": parsed.database or "1",
    }


def build_services(settings: Settings, *, log_dir: Path | None) -> list[Service]:
    """The services to start, configured through their environment; `settings` must have their secrets
    (`with_secrets`), which no command line shows."""
    unprotected_api = settings.rasa_token is None and not settings.open_for_evaluation
    if settings.rasa_channel_secret is None or unprotected_api:
        raise ValueError("build_services needs the secrets: pass with_secrets(settings)")
    env = {name: value for name, value in os.environ.items() if name != "RASA_TOKEN"}
    if settings.rasa_token is not None:
        env["RASA_TOKEN"] = settings.rasa_token.get_secret_value()
    env.update(
        DATABASE_URL=settings.database_url,
        SANIC_HOST="127.0.0.1",
        ACTION_ENDPOINT_URL=settings.actions_webhook_url,
        RASA_URL=settings.rasa_base_url,  # the channels' (bot, web chat) way to Rasa
        BUTTON_SECRET=settings.button_secret.get_secret_value(),
        REGISTRY_SECRET=settings.registry_secret.get_secret_value(),
        RASA_CHANNEL_SECRET=settings.rasa_channel_secret.get_secret_value(),
        RASA_OPEN_FOR_EVALUATION="1" if settings.open_for_evaluation else "0",
        MAX_MESSAGE_CHARS=str(settings.max_message_chars),
        TRACKER_STORE_URL=settings.tracker_store_url,
        **lock_store_environment(settings.lock_store_url),
        PYTHONPATH=str(PROJECT_ROOT),
    )
    # No --cors: a web page's preflight for the secret header is refused. --auth-token from RASA_TOKEN
    # (nlu/rasa_cli.py), so that no command line shows it.
    rasa_command = [
        str(RASA_PYTHON), "-m", "nlu.rasa_cli", "run", "--enable-api", "--interface", "127.0.0.1",
        "--port", str(settings.rasa_port), "--model", str(MODEL_PATH), "--endpoints", "endpoints.yml",
        "--credentials", "credentials.yml",
    ]  # fmt: skip
    actions_command = [
        sys.executable, "-m", "actions.server", "--actions", "actions", "--port", str(settings.actions_port),
    ]  # fmt: skip
    services = [
        Service(
            "action server",
            actions_command,
            {**env, "ACTIONS_WARM_UP": "1"},  # build the knowledge-base index before the first question
            log_dir / "actions.log" if log_dir else None,
        ),
        Service(
            "rasa server",
            rasa_command,
            {**env, "SANIC_REQUEST_MAX_SIZE": str(RASA_MAX_REQUEST_BYTES)},
            log_dir / "rasa.log" if log_dir else None,
        ),
    ]
    backoffice_command = [
        sys.executable,
        "-m",
        "backoffice",
        "serve",
        "--port",
        str(settings.backoffice_port),
    ]
    services.append(
        Service("back office", backoffice_command, env, log_dir / "backoffice.log" if log_dir else None)
    )
    webchat_command = [sys.executable, "-m", "webchat", "serve", "--port", str(settings.webchat_port)]
    services.append(Service("web chat", webchat_command, env, log_dir / "webchat.log" if log_dir else None))
    if settings.telegram_bot_token:
        services.append(
            Service(
                "telegram bot", [sys.executable, "-m", "bot"], env, log_dir / "bot.log" if log_dir else None
            )
        )
    return services


def warm_up(settings: Settings) -> None:
    """One greeting through the whole stack, so that the first talent does not wait for Rasa to load
    its pipeline lazily (about a second); a failure here is only logged."""
    try:
        httpx.post(
            f"{settings.rasa_base_url}/webhooks/rest/webhook",
            json={"sender": "launcher:warm-up", "message": "你好"},
            headers=channel_headers(settings),
            timeout=30,
        ).raise_for_status()
    except httpx.HTTPError as exc:
        log.warning("warm-up turn failed: %s", exc)


def _check_prerequisites() -> None:
    if not RASA_BIN.exists():
        raise StartupError(f"Rasa is not installed at {RASA_BIN}; run `make setup`.")
    if not MODEL_PATH.exists():
        raise StartupError(f"No trained model at {MODEL_PATH}; run `make train`.")


def wait_until_ready(
    settings: Settings, services: list[Service], *, timeout: float = READY_TIMEOUT_SECONDS
) -> float:
    """Block until Rasa reports a loaded model and the action server, back office and web chat answer;
    returns the seconds waited."""
    started = time.monotonic()
    params = {"token": settings.rasa_token.get_secret_value()} if settings.rasa_token else None
    pending = {
        "rasa": f"{settings.rasa_base_url}/status",
        "actions": f"http://127.0.0.1:{settings.actions_port}/health",
        "back office": f"http://127.0.0.1:{settings.backoffice_port}/readyz",
        "web chat": f"http://127.0.0.1:{settings.webchat_port}/readyz",
    }
    while pending:
        for service in services:
            if (code := service.exited()) is not None:
                raise StartupError(f"{service.name} exited with code {code}{service.log_hint()}")
        for name, url in list(pending.items()):
            try:
                response = httpx.get(url, params=params if name == "rasa" else None, timeout=2)
                if response.status_code == 200 and (name != "rasa" or response.json().get("model_id")):
                    del pending[name]
            except (httpx.HTTPError, ValueError):
                pass
        if time.monotonic() - started > timeout:
            raise StartupError(f"not ready after {timeout:.0f} s: {', '.join(pending)}")
        if pending:
            time.sleep(0.5)
    return time.monotonic() - started


def _log_to_file(path: Path) -> Path:
    """Send this process's log to `path`, keeping the terminal for the chat."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    return path


def _sweep_every(interval: float, settings: Settings) -> None:
    """Periodically: the inbox's sweep (spooled messages in, unanswered ones ticketed), then the ticket
    store's SLA sweep, then the contact leaders' reminders, then the talents' policy-change notices, then
    the analytics' rollups; a failed sweep is logged and retried next time. With several launchers on one
    PostgreSQL database, each database sweep is done by one of them at a time (holds_lock); the others
    skip it that turn."""
    stale_after = dt.timedelta(seconds=settings.unanswered_after_seconds)
    while True:
        time.sleep(interval)
        try:
            inbox_scheduled.sweep(
                spool_dir=settings.spool_dir, stale_after=stale_after
            )  # this machine's spool
            with session_scope() as session:
                if holds_lock(session, name="sla-sweep"):
                    scheduled.sweep(session, sla=ticket_service.default_sla())
            with session_scope() as session:
                if holds_lock(session, name="contact-reminders"):
                    scheduled.remind_contact_leaders(session, every_days=settings.contact_reminder_days)
            with session_scope() as session:
                if holds_lock(session, name="policy-notices"):
                    conversations_scheduled.notify_policy_changes(session)
            with session_scope() as session:
                if holds_lock(session, name="analytics-rollup"):
                    analytics_scheduled.refresh(session, sla=ticket_service.default_sla())
        except Exception as exc:
            log.error("sweep failed (%s); retrying in %.0f s", type(exc).__name__, interval)


@dataclass(frozen=True)
class RestartPolicy:
    """How a crashed service is restarted: after `first_backoff` seconds, doubling up to `max_backoff`,
    afresh once it has run for `stable_after`; `crash_limit` crashes of one service within `window`
    seconds stop the front desk."""

    first_backoff: float = 1.0
    max_backoff: float = 60.0
    stable_after: float = 60.0
    crash_limit: int = 5
    window: float = 300.0


@dataclass
class _Restarts:
    """One service's recent crashes (monotonic times), its next backoff and when it starts again."""

    backoff: float
    crashes: list[float] = field(default_factory=list)
    due: float | None = None


def _crashed(service: Service, restarts: _Restarts, code: int, policy: RestartPolicy) -> None:
    """Kill what is left of a crashed service's group and schedule its restart, or give up."""
    service.signal_group(signal.SIGKILL)  # a worker it left behind would hold its port
    now = time.monotonic()
    ran = now - service.started_at
    if ran >= policy.stable_after:
        restarts.backoff = policy.first_backoff
    restarts.crashes = [at for at in restarts.crashes if now - at < policy.window] + [now]
    if len(restarts.crashes) >= policy.crash_limit:
        raise StartupError(
            f"{service.name} crashed {len(restarts.crashes)} times within {policy.window:.0f} s "
            f"(last exit code {code}){service.log_hint()}: stopping the front desk"
        )
    log.warning(
        "%s exited with code %d after %.1f s; restarting in %.1f s%s",
        service.name,
        code,
        ran,
        restarts.backoff,
        service.log_hint(),
    )
    restarts.due = now + restarts.backoff
    restarts.backoff = min(restarts.backoff * 2, policy.max_backoff)


def _supervise(
    services: list[Service],
    *,
    policy: RestartPolicy = RestartPolicy(),
    poll: float = 1.0,
    while_: Callable[[], bool] = lambda: True,
) -> None:
    """Keep the services running until interrupted (or `while_` turns false): a crashed one is restarted
    with backoff while the others run on; StartupError when one crashes too often. Runs in the main
    thread (see `Service.start`)."""
    watched = [(service, _Restarts(policy.first_backoff)) for service in services]
    while while_():
        for service, restarts in watched:
            if restarts.due is not None:
                if time.monotonic() >= restarts.due:
                    restarts.due = None
                    service.start()
            elif (code := service.exited()) is not None:
                _crashed(service, restarts, code, policy)
        time.sleep(poll)


def _prepare_demo_office(settings: Settings) -> None:
    """The local demo's back-office accounts, before anything starts (the chat and the services work
    without them: a failure is only logged)."""
    folder = Path(make_url(settings.database_url).database or VAR_DIR).parent
    try:
        if accounts_file := prepare_demo_office(
            folder=folder, url=f"http://127.0.0.1:{settings.backoffice_port}/"
        ):
            log.info("local demo: back-office sign-ins in %s", accounts_file)
    except (ValueError, SQLAlchemyError) as exc:
        log.warning("local demo: no back-office accounts made (%s)", exc)


def run(*, with_chat: bool) -> int:
    settings = with_secrets(get_settings())
    try:
        settings.check_secrets()
    except ValueError as exc:
        log.error("%s", exc)
        return 1
    _check_prerequisites()
    ports = {
        "RASA_PORT": settings.rasa_port,
        "ACTIONS_PORT": settings.actions_port,
        "BACKOFFICE_PORT": settings.backoffice_port,
        "WEBCHAT_PORT": settings.webchat_port,
    }
    if settings.telegram_bot_token and settings.telegram_webhook_url:
        ports["TELEGRAM_WEBHOOK_PORT"] = settings.telegram_webhook_port
    check_ports_free(ports)
    published = prepare_database(get_engine())
    prepare_tracker_store(settings.tracker_store_url)
    database = make_url(settings.database_url).render_as_string(hide_password=True)
    log.info("database ready: %s (%d articles newly published)", database, published)
    if settings.local_demo:
        _prepare_demo_office(settings)
    services = build_services(settings, log_dir=VAR_DIR / "log" if with_chat else None)

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, request_stop)
    sweeper = threading.Thread(
        target=_sweep_every, args=(SWEEP_INTERVAL_SECONDS, settings), name="sweep", daemon=True
    )
    try:
        for service in services:
            service.start()
        log.info("waiting for the Rasa server to load its model (about a minute)...")
        seconds = wait_until_ready(settings, services)
        warm_up(settings)
        sweeper.start()
        log.info(
            "front desk ready in %.1f s: Rasa %s, actions :%d, back office http://127.0.0.1:%d/, "
            "web chat http://127.0.0.1:%d/",
            seconds,
            settings.rasa_base_url,
            settings.actions_port,
            settings.backoffice_port,
            settings.webchat_port,
        )
        if with_chat:
            from bot.local_chat import chat

            log.info("from now on this process logs to %s", _log_to_file(VAR_DIR / "log" / "frontdesk.log"))
            terminal = threading.Thread(target=asyncio.run, args=(chat(settings),), name="chat", daemon=True)
            terminal.start()
            _supervise(services, while_=terminal.is_alive)  # the services restarted while people chat
        else:
            _supervise(services)
        return 0
    except KeyboardInterrupt:
        return 0
    except StartupError as exc:
        log.error("%s", exc)
        return 1
    finally:
        stop_all(services)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chat", action="store_true", help="also open the local terminal chat")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        sys.exit(run(with_chat=args.chat))
    except StartupError as exc:
        log.error("%s", exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
