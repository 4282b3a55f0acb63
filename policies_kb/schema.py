"""Content schema of a policy article as editors write it (one YAML file per article)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


class Source(_Strict):
    """The policy document an article is based on."""

    title: str = Field(min_length=2)
    number: str = Field(min_length=2, description="文号, e.g. 博州人才办发〔2025〕3号")
    issuer: str = Field(min_length=2)
    issued_on: dt.date
    note: str | None = None


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
