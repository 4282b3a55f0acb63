"""The shape of an article source's document number (文号): issuer abbreviation + 〔year〕 + number + 号."""

import pytest
from pydantic import ValidationError

from policies_kb.files import CONTENT_DIR, load_directory
from policies_kb.schema import DOCUMENT_NUMBER, ArticleContent, Source, stored_content


def _source(number: str) -> Source:
    return Source(title="人才绿卡管理办法", number=number, issuer="州人才办", issued_on="2025-01-01")


@pytest.mark.parametrize("number", ["博州人才办发〔2025〕3号", "新人社发〔2024〕12号", "国办发〔2016〕9号"])
def test_a_number_in_the_official_form_is_kept(number):
    assert _source(number).number == number


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("博州人才办发[2025]3号", "博州人才办发〔2025〕3号"),
        ("新人社发(2024)12号", "新人社发〔2024〕12号"),
        ("国办发［2016］9号", "国办发〔2016〕9号"),
        ("国办发（2016）9号", "国办发〔2016〕9号"),
        (" 博州人才办发 〔2025〕 3号 ", "博州人才办发〔2025〕3号"),
    ],
)
def test_the_brackets_editors_type_become_the_official_ones(typed, kept):
    assert _source(typed).number == kept


@pytest.mark.parametrize(
    "number",
    [
        "2025年3号",
        "博州人才办发〔2025〕3",
        "博州人才办发〔25〕3号",
        "〔2025〕3号",
        "博州人才办发2025年第3号",
        "BZ-2025-3",
    ],
)
def test_other_shapes_are_refused_naming_the_shape(number):
    with pytest.raises(ValidationError) as refused:
        _source(number)
    (error,) = refused.value.errors()
    assert error["loc"] == ("number",) and error["type"] == "document_number"
    assert "〔〕" in error["msg"]


def test_every_content_file_has_a_number_of_the_official_shape():
    loaded = load_directory(CONTENT_DIR)
    assert loaded.errors == []
    assert len(loaded.articles) == len(list(CONTENT_DIR.rglob("*.yml")))
    assert all(DOCUMENT_NUMBER.fullmatch(content.source.number) for content in loaded.articles.values())


def test_a_version_stored_before_the_rule_still_answers():
    content = next(iter(load_directory().articles.values())).model_dump(mode="json")
    content["source"]["number"] = "博人才 2019 3"  # no shape the rule accepts
    with pytest.raises(ValidationError):
        ArticleContent.model_validate(content)
    assert stored_content(content).source.number == "博人才 2019 3"
