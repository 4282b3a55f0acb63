"""Whole conversations scored turn by turn: the shared dialogue evaluation against the real stack.

    .venv/bin/python -m benchmarks.dialogues [--dialogues ../shared/eval/dev_dialogues.json] [--url URL]

Starts the front desk on free loopback ports with a scratch SQLite database (or uses --url: a front desk
started with RASA_OPEN_FOR_EVALUATION=1, since the evaluator cannot send the channel's secret), plays
the conversations through the REST channel with `../shared/eval/run_dialogues.py` and prints its
report (last line: `dialogues: turns_ok=X/Y convs_ok=A/B facts=F/G`), then how often the assistant
asked which topic was meant, and the length of the answers (characters of text, HTML tags stripped,
per turn that carried a knowledge-base answer).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.stack import running_stack
from frontdesk.config import PROJECT_ROOT

EVAL_DIR = PROJECT_ROOT.parent / "shared" / "eval"
ANSWER_TYPES = {"kb_answer", "not_eligible"}
_TAG = re.compile(r"<[^>]+>")


def answer_lengths(dump: list[dict]) -> list[int]:
    """Characters of visible text in each reply that carried an answer."""
    lengths = []
    for conversation in dump:
        for turn in conversation["turns"]:
            if any(custom.get("type") in ANSWER_TYPES for custom in turn.get("customs") or []):
                visible = html.unescape(_TAG.sub("", "\n".join(turn["texts"])))
                lengths.append(len(visible))
    return lengths


def topic_questions(dump: list[dict]) -> tuple[int, int]:
    """(replies that asked which topic was meant, replies in all)."""
    turns = [turn for conversation in dump for turn in conversation["turns"] if "customs" in turn]
    asked = sum(
        any(custom.get("type") == "clarify" and custom.get("candidates") for custom in turn["customs"])
        for turn in turns
    )
    return asked, len(turns)


def play(url: str, dialogues: Path, only: str) -> int:
    dump_path = Path(tempfile.mkdtemp(prefix="frontdesk-dialogues-")) / "turns.json"
    command = [
        sys.executable, str(EVAL_DIR / "run_dialogues.py"), "--url", url,
        "--dialogues", str(dialogues), "--dump", str(dump_path),
    ]  # fmt: skip
    if only:
        command += ["--only", only]
    code = subprocess.run(command, check=False).returncode
    dump = json.loads(dump_path.read_text(encoding="utf-8"))
    asked, replies = topic_questions(dump)
    print(f"asked which topic was meant: {asked} of {replies} replies")
    lengths = sorted(answer_lengths(dump))
    if lengths:
        p95 = lengths[min(len(lengths) - 1, round(0.95 * (len(lengths) - 1)))]
        print(
            f"answer length: {len(lengths)} answers, median {statistics.median(lengths):.0f}, p95 {p95} chars"
        )
    print(f"turns dumped to {dump_path}")
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Rasa server; default: start one")
    parser.add_argument("--dialogues", type=Path, default=EVAL_DIR / "dev_dialogues.json")
    parser.add_argument("--only", default="", help="comma-separated conversation ids")
    args = parser.parse_args()
    if args.url:
        return play(args.url.rstrip("/"), args.dialogues, args.only)
    with running_stack(open_for_evaluation=True) as settings:
        return play(settings.rasa_base_url, args.dialogues, args.only)


if __name__ == "__main__":
    sys.exit(main())
