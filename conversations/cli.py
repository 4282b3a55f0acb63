"""The conversation record's command line: `export-training` writes the examples editors marked to the NLU
training data (then `make train`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conversations import flows, training
from frontdesk.database import get_engine, session_scope
from frontdesk.migrate import upgrade_schema


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m conversations", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    export = verbs.add_parser("export-training", help="write the examples not exported yet to the NLU data")
    export.add_argument("--file", type=Path, default=training.EDITOR_EXAMPLES, help="default: %(default)s")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    upgrade_schema(get_engine())
    try:
        with session_scope() as session:
            result = flows.export_training(session, path=args.file)
    except (OSError, ValueError) as exc:  # an unreadable file: nothing is marked exported
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    added = sum(len(lines) for lines in result.added.values())
    print(f"{args.file}: {added} example(s) added, {result.duplicates} already there")
    for intent, lines in sorted(result.added.items()):
        print(f"  {intent}:")
        for line in lines:
            print(f"    - {line}")
    for line, intent, there in result.conflicts:
        print(f"  left out (an example of {there} elsewhere, marked {intent}): {line}")
    if added:
        print("next: make train (keeps the model in use as models/previous-*.tar.gz)")
