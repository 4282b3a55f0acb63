"""`python -m backoffice`: serve the back office, or manage its accounts.

python -m backoffice serve [--port 8080]
python -m backoffice create-account PERSON_ID [--admin] [--editor] [--language en]   # password on stdin
python -m backoffice set-password PERSON_ID                                            # password on stdin
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

import uvicorn

from backoffice import accounts
from backoffice.app import create_app
from frontdesk.config import get_settings
from frontdesk.database import session_scope


def _password() -> str:
    """From the terminal (asked twice), or the first line of standard input."""
    if sys.stdin.isatty():
        first, second = getpass.getpass("password: "), getpass.getpass("again: ")
        if first != second:
            sys.exit("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m backoffice", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    verbs = parser.add_subparsers(dest="verb", required=True)
    serve = verbs.add_parser("serve", help="serve the back office on 127.0.0.1")
    serve.add_argument("--port", type=int, help="default BACKOFFICE_PORT (8080)")
    create = verbs.add_parser("create-account", help="a back-office account for a roster person")
    create.add_argument("person_id")
    create.add_argument("--admin", action="store_true", help="may administer the roster, registry, calendar")
    create.add_argument("--editor", action="store_true", help="may edit and review policy articles")
    create.add_argument("--language", choices=["zh", "en"], default="zh")
    reset = verbs.add_parser("set-password", help="a new password (ends the account's sessions)")
    reset.add_argument("person_id")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if args.verb == "serve":
        try:
            settings.check_secrets()
        except ValueError as exc:
            sys.exit(str(exc))
        port = args.port or settings.backoffice_port
        uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                    proxy_headers=False, server_header=False)  # fmt: skip
        return
    try:
        with session_scope() as session:
            if args.verb == "create-account":
                accounts.create_account(
                    session, person_id=args.person_id, password=_password(), admin=args.admin,
                    editor=args.editor, language=args.language,
                )  # fmt: skip
                roles = [name for name, on in (("administrator", args.admin), ("editor", args.editor)) if on]
                print(f"account created for {args.person_id}" + (f" ({', '.join(roles)})" if roles else ""))
            else:
                accounts.set_password(session, person_id=args.person_id, password=_password())
                print(f"password set for {args.person_id}; their sessions have ended")
    except accounts.AccountError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
