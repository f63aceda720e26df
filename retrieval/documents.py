"""The article model every parser produces, whatever the file format."""

from __future__ import annotations

import datetime as dt
import hashlib

from pydantic import BaseModel, ConfigDict, Field


class Headline(BaseModel):
    """A headline from a page's "Latest news" block, dated on its own."""

    model_config = ConfigDict(frozen=True)

    title: str
    date: dt.date | None = None


class Document(BaseModel):
    """One article: what the store keeps and what passages are cut from.

    `body` is paragraphs separated by a blank line; passage offsets point into it.
    `key` identifies the article across reindexes: the file's path, plus the
    article's url or line number for files that hold many articles.
    """

    model_config = ConfigDict(frozen=True)

    key: str
    source: str
    title: str
    body: str
    date: dt.date | None = None
    url: str | None = None
    headlines: tuple[Headline, ...] = Field(default_factory=tuple)

    @property
    def content_hash(self) -> str:
        """Changes exactly when anything a member could see of the article changes."""
        digest = hashlib.sha256()
        for part in (self.title, self.body, str(self.date), self.url or ""):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\x00")
        for headline in self.headlines:
            digest.update(f"{headline.title}\x01{headline.date}\x00".encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def paragraphs(self) -> list[str]:
        """The body's paragraphs, in order."""
        return [p for p in self.body.split("\n\n") if p]
