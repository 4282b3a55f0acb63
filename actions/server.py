"""The action server: rasa-sdk's (`python -m rasa_sdk`), answering only Rasa.

    python -m actions.server --actions actions --port 5055

Every route but `/health` needs the shared secret header (`X-Frontdesk-Secret`, env RASA_CHANNEL_SECRET,
which Rasa sends from endpoints.yml), takes nothing a web page sends, and a POST needs a JSON body:
401/403/415 otherwise. As with rasa-sdk:
the same options, workers (ACTION_SERVER_SANIC_WORKERS), auto-reload only with `--auto-reload`,
SANIC_HOST (here 127.0.0.1 unless set); no CORS and no gRPC.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from functools import partial

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME, DEFAULT_ENDPOINTS_PATH
from rasa_sdk.endpoint import create_app_for_serve, create_argument_parser, create_ssl_config
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.worker.loader import AppLoader

from frontdesk.config import get_settings
from frontdesk.edge import SECRET_HEADER, SECRET_VARIABLE, Refused, check_request, check_secret

OPEN_PATHS = frozenset({"/health"})


def guard(secret: str) -> Callable[[Request], Awaitable[HTTPResponse | None]]:
    """Request middleware refusing what does not come from Rasa."""

    async def check(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        try:
            check_secret(request.headers.get(SECRET_HEADER), secret)
            check_request(method=request.method, headers=request.headers)
        except Refused as refusal:
            return response.json({"error": refusal.reason}, status=refusal.status)
        return None

    return check


def create_app(
    action_executor: ActionExecutor,
    *,
    secret: str,
    auto_reload: bool = False,
    endpoints: str = DEFAULT_ENDPOINTS_PATH,
) -> Sanic:
    """rasa-sdk's app (no CORS) behind the guard; module-level, so that Sanic's workers can rebuild it."""
    app = create_app_for_serve(
        action_executor, cors_origins=None, auto_reload=auto_reload, endpoints=endpoints
    )
    app.on_request(guard(secret))
    return app


def run(action_executor: ActionExecutor, args: argparse.Namespace, *, secret: str) -> None:
    """Serve like rasa-sdk's `endpoint.run`, with this module's app."""
    loader = AppLoader(
        factory=partial(
            create_app, action_executor, secret=secret, auto_reload=args.auto_reload, endpoints=args.endpoints
        )
    )
    app = loader.load()
    app.prepare(
        host=os.environ.get("SANIC_HOST", "127.0.0.1"),
        port=args.port,
        ssl=create_ssl_config(args.ssl_certificate, args.ssl_keyfile, args.ssl_password),
        workers=utils.number_of_sanic_workers(),
    )
    Sanic.serve(primary=app, app_loader=loader)


def main() -> None:
    parser = create_argument_parser()
    args = parser.parse_args()
    if args.cors or args.grpc:
        parser.error("the front desk's action server answers Rasa only: no --cors, no --grpc")
    secret = os.environ.get(SECRET_VARIABLE)
    if not secret:
        sys.exit(f"{SECRET_VARIABLE} is not set: start the action server with `python -m launcher.serve`")
    try:
        get_settings().check_secrets()
    except ValueError as exc:
        sys.exit(str(exc))
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    action_executor = ActionExecutor()
    action_executor.register_package(args.actions_module or args.actions)
    run(action_executor, args, secret=secret)


if __name__ == "__main__":
    main()
