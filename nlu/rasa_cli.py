"""Rasa's command line, with two changes for `rasa run`, in Rasa's environment:

    python -m nlu.rasa_cli run --enable-api ...

- the HTTP API's token comes from the environment (RASA_TOKEN), not the command line, where every local
  user can read it (`ps`);
- every request to the server is refused that a browser sends for a web page (Origin, Sec-Fetch-Site) or
  that writes without a JSON body: a page may post text/plain to a loopback port without asking first.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import rasa.core.run
from rasa.__main__ import main
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from frontdesk.edge import Refused, check_request

_configure_app = rasa.core.run.configure_app


async def refuse_pages_and_non_json(request: Request) -> HTTPResponse | None:
    try:
        check_request(method=request.method, headers=request.headers)
    except Refused as refusal:
        return response.json({"error": refusal.reason}, status=refusal.status)
    return None


def configure_app(*args: Any, **kwargs: Any) -> Sanic:
    """Rasa's app with `refuse_pages_and_non_json` before every route."""
    app = _configure_app(*args, **kwargs)
    app.on_request(refuse_pages_and_non_json)
    return app


def with_token(argv: list[str], token: str | None) -> list[str]:
    """`argv` with the API token, as one argument even when the token starts with "-"."""
    return [*argv, f"--auth-token={token}"] if token else argv


if __name__ == "__main__":
    sys.argv = with_token(sys.argv, os.environ.get("RASA_TOKEN"))
    rasa.core.run.configure_app = configure_app
    sys.exit(main())
