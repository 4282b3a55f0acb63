"""Content schema of a policy article as editors write it (one YAML file per article)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from frontdesk.vocabulary import District, Tier, Topic


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Eligibility(_Strict):
    """Who an article applies to; the string "all" means no restriction."""

    tiers: list[Tier] | Literal["all"] = "all"
    districts: list[District] | Literal["all"] = "all"

    @field_validator("tiers", "districts")
    @classmethod
    def _not_empty(cls, value: list[str] | str) -> list[str] | str:
        if isinstance(value, list) and not value:
            raise ValueError('list is empty; write "all" or name at least one')
        return value


# The brackets editors type around a document number's year, as the 〔〕 of the official form.
_YEAR_BRACKETS = str.maketrans("[(［（【])］）】", "〔〔〔〔〔〕〕〕〕〕")
# issuer abbreviation + 〔year〕 + serial number + 号, e.g. 博州人才办发〔2025〕3号, 国办发〔2016〕9号
DOCUMENT_NUMBER = re.compile(r"[\u3400-\u9fff]{2,20}〔(?:19|20)\d\d〕\d{1,4}号")


def document_number(value: str) -> str:
    """A 文号 in its official form (the year's brackets as 〔〕, no spaces), or an error naming the shape."""
    number = re.sub(r"\s+", "", value).translate(_YEAR_BRACKETS)
    if not DOCUMENT_NUMBER.fullmatch(number):
        raise PydanticCustomError(
            "document_number",
            "a document number is the issuer's abbreviation, the year in 〔〕 and the number with 号, "
            "e.g. 博州人才办发〔2025〕3号",
        )
    return number


STORED = "stored"  # validation context of a version read back from the database (see stored_content)


class Source(_Strict):
    """The policy document an article is based on."""

    title: str = Field(min_length=2)
    number: str = Field(min_length=2, description="文号, e.g. 博州人才办发〔2025〕3号")
    issuer: str = Field(min_length=2)
    issued_on: dt.date
    note: str | None = None

    @field_validator("number")
    @classmethod
    def _document_number(cls, value: str, info: ValidationInfo) -> str:
        if (info.context or {}).get(STORED):  # written before the rule: it must still answer
            return value
        return document_number(value)


class LocalizedContent(_Strict):
    """The text of an article in one language."""

    title: str = Field(min_length=2, max_length=120)
    summary: str = Field(min_length=2, max_length=600)
    body: str = Field(min_length=10)
    required_documents: list[str] = Field(default_factory=list)
    how_to_apply: str | None = None
    processing_time: str | None = None
    contact: str | None = None


class ArticleContent(_Strict):
    """One article file, validated."""

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=3, max_length=80)
    topic: Topic
    eligibility: Eligibility = Eligibility()
    keywords: list[str] = Field(default_factory=list)
    source: Source
    effective_from: dt.date
    effective_to: dt.date | None = None
    content: dict[Literal["zh", "en"], LocalizedContent]

    @model_validator(mode="after")
    def _check(self) -> ArticleContent:
        if "zh" not in self.content:
            raise ValueError("content.zh is required (Chinese text of the article)")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is earlier than effective_from")
        return self


def stored_content(content: dict) -> ArticleContent:
    """A version's content as the database holds it: checked as it was when saved, so a version written
    before a later rule (the 文号's shape) still answers."""
    return ArticleContent.model_validate(content, context={STORED: True})
