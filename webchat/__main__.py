"""`python -m webchat serve [--port 8082]`: serve the web chat on 127.0.0.1 (behind the HTTPS proxy, whose
X-Forwarded-For uvicorn trusts from loopback only, so that the limits per client address see the talent's)."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from frontdesk.config import get_settings
from webchat.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m webchat", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    serve = verbs.add_parser("serve", help="serve the web chat on 127.0.0.1")
    serve.add_argument("--port", type=int, help="default WEBCHAT_PORT (8082)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = get_settings()
    try:
        settings.check_secrets()
    except ValueError as exc:
        sys.exit(str(exc))
    uvicorn.run(
        create_app(settings),
        host="127.0.0.1",
        port=args.port or settings.webchat_port,
        log_level="warning",
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        server_header=False,
    )


if __name__ == "__main__":
    main()
