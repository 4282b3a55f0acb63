"""Editors' command line: validate, import, publish, retire, history, diff, rollback, search, list."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from frontdesk.clock import format_local, local_today
from frontdesk.database import get_engine, session_scope
from frontdesk.migrate import upgrade_schema
from frontdesk.vocabulary import DISTRICTS, TIERS, TOPICS
from policies_kb import service
from policies_kb.answers import asked_about_date, choose_article
from policies_kb.files import CONTENT_DIR, load_directory
from policies_kb.models import VersionStatus


def _validate(args: argparse.Namespace) -> int:
    loaded = load_directory(args.dir)
    for error in loaded.errors:
        print(error, file=sys.stderr)
    print(f"{len(loaded.articles)} articles valid, {len(loaded.errors)} problems")
    return 1 if loaded.errors else 0


def _import(args: argparse.Namespace, session: Session) -> int:
    loaded = load_directory(args.dir)
    for error in loaded.errors:
        print(f"skipped: {error}", file=sys.stderr)
    contents = [(content, str(path.relative_to(args.dir))) for path, content in loaded.articles.items()]
    drafts = service.import_drafts(session, contents=contents, editor=args.editor)
    for draft in drafts:
        print(f"{draft.article_id}: draft v{draft.version}")
    unchanged, skipped = len(contents) - len(drafts), len(loaded.errors)
    print(f"{len(drafts)} new drafts, {unchanged} unchanged, {skipped} files skipped")
    return 1 if loaded.errors else 0


def _publish(args: argparse.Namespace, session: Session) -> int:
    if args.article:
        published = [
            service.publish(
                session, article_id=args.article, editor=args.editor, note=args.note, version=args.version
            )
        ]
    elif args.all:
        drafts = service.versions_with_status(session, status=VersionStatus.DRAFT)
        ids = sorted({v.article_id for v in drafts})
        published = service.publish_drafts(session, article_ids=ids, editor=args.editor, note=args.note)
    else:
        raise service.KnowledgeBaseError("name an article or use --all")
    for version in published:
        print(f"{version.article_id}: v{version.version} published")
    print(f"{len(published)} published")
    return 0


def _retire(args: argparse.Namespace, session: Session) -> int:
    version = service.retire(session, article_id=args.article, editor=args.editor, note=args.note)
    print(f"{args.article}: v{version.version} retired; the bot no longer answers from it")
    return 0


def _history(args: argparse.Namespace, session: Session) -> int:
    for v in service.history(session, article_id=args.article):
        when = format_local(v.published_at or v.created_at)
        who = v.published_by or v.created_by
        retired = (
            f"  (retired {format_local(v.retired_at, '%Y-%m-%d')} by {v.retired_by}: {v.retire_note})"
            if v.retired_at
            else ""
        )
        print(f"v{v.version:<3} {v.status:<10} {when}  {who:<12} {v.change_note}{retired}")
    return 0


def _diff(args: argparse.Namespace, session: Session) -> int:
    text = service.diff(session, article_id=args.article, old=args.old, new=args.new)
    print(text or f"v{args.old} and v{args.new} have the same content")
    return 0


def _rollback(args: argparse.Namespace, session: Session) -> int:
    version = service.rollback(
        session, article_id=args.article, to_version=args.to, editor=args.editor, note=args.note
    )
    print(f"{args.article}: content of v{args.to} published as v{version.version}")
    return 0


def _search(args: argparse.Namespace, session: Session) -> int:
    index = service.build_index(session)
    today = dt.date.fromisoformat(args.date) if args.date else local_today()
    choice = choose_article(
        index, topic=args.topic, question=args.question, tier=args.tier, district=args.district, today=today
    )
    hits = index.rank(args.topic, args.question)[: args.top]
    as_of = max(today, asked_about_date(args.question, today=today))
    if args.json:
        print(
            json.dumps(
                {
                    "outcome": str(choice.outcome),
                    "article_id": choice.article.article_id if choice.article else None,
                    "version": choice.article.version if choice.article else None,
                    "need": choice.need,
                    "hits": [{"article_id": h.article.article_id, "score": round(h.score, 4)} for h in hits],
                },
                ensure_ascii=False,
            )
        )
        return 0
    answer = f"{choice.article.article_id} v{choice.article.version}" if choice.article else "-"
    print(f"outcome: {choice.outcome}  answer: {answer}" + (f"  needs: {choice.need}" if choice.need else ""))
    for hit in hits:
        flags = [] if hit.article.in_force(as_of) else [f"not in force on {as_of}"]
        if not hit.article.eligible(tier=args.tier, district=args.district):
            flags.append("not eligible")
        print(f"  {hit.score:7.3f}  {hit.article.article_id}  {', '.join(flags)}")
    return 0


def _list(args: argparse.Namespace, session: Session) -> int:
    rows = service.list_articles(session)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": article.id,
                        "topic": article.topic,
                        "version": version.version,
                        "status": str(version.status),
                        "title": version.content["content"]["zh"]["title"],
                        "effective_from": version.effective_from.isoformat(),
                        "effective_to": version.effective_to.isoformat() if version.effective_to else None,
                    }
                    for article, version in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for article, version in rows:
        title = version.content["content"]["zh"]["title"]
        print(f"{article.topic:<18} {article.id:<40} v{version.version:<3} {version.status:<10} {title}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m policies_kb", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)

    def verb(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        sub = verbs.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def editor_and_note(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--editor", required=True, help="who makes the change")
        sub.add_argument("--note", required=True, help="why (kept in the history)")

    sub = verb("validate", _validate, "check the content files; exit 1 when any file has a problem")
    sub.add_argument("--dir", type=Path, default=CONTENT_DIR)
    sub = verb("import", _import, "store changed content files as drafts")
    sub.add_argument("--dir", type=Path, default=CONTENT_DIR)
    sub.add_argument("--editor", required=True)
    sub = verb("publish", _publish, "publish the newest draft of an article (or of all with --all)")
    sub.add_argument("article", nargs="?")
    sub.add_argument("--all", action="store_true")
    sub.add_argument("--version", type=int, help="publish this draft version instead of the newest")
    editor_and_note(sub)
    sub = verb("retire", _retire, "stop answering from an article")
    sub.add_argument("article")
    editor_and_note(sub)
    sub = verb("history", _history, "every version of an article")
    sub.add_argument("article")
    sub = verb("diff", _diff, "what changed between two versions")
    sub.add_argument("article")
    sub.add_argument("old", type=int)
    sub.add_argument("new", type=int)
    sub = verb("rollback", _rollback, "publish an older version's content as a new version")
    sub.add_argument("article")
    sub.add_argument("--to", type=int, required=True)
    editor_and_note(sub)
    sub = verb("search", _search, "what the bot would answer to a question, with scores")
    sub.add_argument("question")
    sub.add_argument("--topic", required=True, choices=TOPICS)
    sub.add_argument("--tier", choices=TIERS)
    sub.add_argument("--district", choices=DISTRICTS)
    sub.add_argument("--date", help="answer as on this day (YYYY-MM-DD); default today")
    sub.add_argument("--top", type=int, default=5)
    sub.add_argument("--json", action="store_true")
    sub = verb("list", _list, "every article with its newest version")
    sub.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.verb == "validate":
        sys.exit(args.handler(args))
    upgrade_schema(get_engine())
    try:
        with session_scope() as session:
            code = args.handler(args, session)
    except service.KnowledgeBaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.exit(code)
