"""NLU evaluation against a running Rasa server's /model/parse.

    .venv/bin/python -m benchmarks.nlu_eval --data ../shared/eval/dev_nlu.jsonl [--url http://127.0.0.1:5005]

Each line of the data file: {"text", "intent", "entities": [{"entity", "value"}], "lang"}.
Prints intent accuracy, macro-F1 and per-intent F1, out-of-scope recall (out_of_scope or
nlu_fallback counts as caught), in-scope messages sent to fallback, entity precision/recall/F1
(entity and canonical value), /model/parse latency p50/p95, and the worst confusions.
Without --url it starts the front desk on free loopback ports.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path

import httpx

from benchmarks.stack import running_stack

FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"


def parse_all(url: str, items: list[dict], token: str | None) -> tuple[list[dict], list[float]]:
    results, timings = [], []
    params = {"token": token} if token else None
    with httpx.Client(timeout=30) as client:
        client.post(f"{url}/model/parse", json={"text": "你好"}, params=params)
        for item in items:
            started = time.perf_counter()
            response = client.post(f"{url}/model/parse", json={"text": item["text"]}, params=params)
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            results.append(response.json())
    return results, timings


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def report(items: list[dict], results: list[dict], timings: list[float]) -> dict:
    gold = [item["intent"] for item in items]
    predicted = [(result.get("intent") or {}).get("name") or FALLBACK for result in results]
    labels = sorted(set(gold))
    per_intent = {}
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per_intent[label] = {"f1": round(f1(precision, recall), 3), "support": tp + fn}
    oos = [p for g, p in zip(gold, predicted, strict=True) if g == OUT_OF_SCOPE]
    in_scope = [p for g, p in zip(gold, predicted, strict=True) if g != OUT_OF_SCOPE]
    # An entity counts once per message, whichever extractor found it; it matches on name and value.
    expected = [{(e["entity"], e["value"]) for e in item.get("entities", [])} for item in items]
    found = [{(e["entity"], e["value"]) for e in result.get("entities", [])} for result in results]
    matched = sum(len(e & f) for e, f in zip(expected, found, strict=True))
    found_total, expected_total = sum(map(len, found)), sum(map(len, expected))
    entity_precision = matched / found_total if found_total else 0.0
    entity_recall = matched / expected_total if expected_total else 0.0
    ordered = sorted(timings)
    confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    return {
        "messages": len(items),
        "intent_accuracy": round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(items), 3),
        "macro_f1": round(statistics.mean(v["f1"] for v in per_intent.values()), 3),
        "out_of_scope_recall": round(sum(p in {OUT_OF_SCOPE, FALLBACK} for p in oos) / len(oos), 3)
        if oos
        else None,
        "in_scope_to_fallback": round(sum(p == FALLBACK for p in in_scope) / len(in_scope), 3)
        if in_scope
        else None,
        "entity_precision": round(entity_precision, 3),
        "entity_recall": round(entity_recall, 3),
        "entity_f1": round(f1(entity_precision, entity_recall), 3),
        "parse_ms_p50": round(statistics.median(ordered), 1),
        "parse_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "per_intent_f1": per_intent,
        "worst_confusions": [f"{g} → {p}: {n}" for (g, p), n in confusions.most_common(10)],
    }


def bands(items: list[dict], results: list[dict], thresholds: list[float]) -> list[dict]:
    """For each candidate confident threshold: how messages split into acting, asking (top two) and
    fallback, how often acting is wrong, and how often the right intent is among the two offered."""
    rows = []
    for threshold in thresholds:
        acted = wrong = asked = asked_right = lost = 0
        for item, result in zip(items, results, strict=True):
            intent = result.get("intent") or {}
            name, confidence = intent.get("name") or FALLBACK, float(intent.get("confidence") or 0)
            if name == FALLBACK:
                lost += 1
            elif confidence >= threshold or name == OUT_OF_SCOPE:
                acted += 1
                wrong += name != item["intent"]
            else:
                asked += 1
                top_two = [entry["name"] for entry in (result.get("intent_ranking") or [])[:2]]
                asked_right += item["intent"] in top_two
        rows.append(
            {
                "confident_threshold": threshold,
                "acted": round(acted / len(items), 3),
                "wrong_when_acting": round(wrong / acted, 3) if acted else 0.0,
                "asked_top_two": round(asked / len(items), 3),
                "right_intent_among_two": round(asked_right / asked, 3) if asked else None,
                "fallback": round(lost / len(items), 3),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--url", help="a running Rasa server; default: start one")
    parser.add_argument("--token", help="RASA_TOKEN, when the server requires one")
    parser.add_argument("--errors", action="store_true", help="also list every misclassified message")
    parser.add_argument(
        "--bands",
        action="store_true",
        help="also show, per candidate confident threshold, how often acting is wrong and asking helps",
    )
    args = parser.parse_args()
    items = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.url:
        results, timings = parse_all(args.url.rstrip("/"), items, args.token)
    else:
        with running_stack() as settings:
            assert settings.rasa_token is not None
            results, timings = parse_all(
                settings.rasa_base_url, items, settings.rasa_token.get_secret_value()
            )
    print(json.dumps(report(items, results, timings), ensure_ascii=False, indent=2))
    if args.bands:
        for row in bands(items, results, [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]):
            print(json.dumps(row))
    if args.errors:
        for item, result in zip(items, results, strict=True):
            name = (result.get("intent") or {}).get("name")
            if name != item["intent"]:
                confidence = (result.get("intent") or {}).get("confidence", 0)
                print(f"{item['intent']:>22} → {name} ({confidence:.2f})  {item['text']}")


if __name__ == "__main__":
    main()
