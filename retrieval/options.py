"""The retrieval settings; `bot.settings` reads them from file and environment.

Frozen dataclasses that check their own ranges, not pydantic models: a shell
`ask` builds them from validated settings it has cached, and must not pay for
importing pydantic (issue #14). Values from a file or the environment are still
converted and type-checked by pydantic in `bot.settings`, which validates these
classes as they are (their `__post_init__` included) and points an `OptionError`
at the key and the place it was set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, get_args

from newsbot.retrieval.engines import EngineName

# How pydantic validates these classes in `bot.settings`: an unknown key is an error, not ignored.
_PYDANTIC_CONFIG = {"extra": "forbid"}


class OptionError(ValueError):
    """A value outside its range, worded as pydantic words its own (settings messages read alike)."""

    def __init__(self, key: str, message: str, value: object) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message
        self.value = value


def _at_least(key: str, value: float, low: float, high: float | None = None) -> None:
    # Written as "not within", so that NaN (which compares false with everything) is refused too:
    # a NaN `max_removal_share` would let a reindex of an emptied folder remove every article.
    if not value >= low:
        raise OptionError(key, f"Input should be greater than or equal to {low}", value)
    if high is not None and not value <= high:
        raise OptionError(key, f"Input should be less than or equal to {high}", value)


@dataclass(frozen=True)
class ChunkingOptions:
    __pydantic_config__ = _PYDANTIC_CONFIG

    passage_chars: int = 600  # target passage size in characters
    overlap_chars: int = 150  # trailing sentences carried into the next passage

    def __post_init__(self) -> None:
        _at_least("passage_chars", self.passage_chars, 100, 10_000)
        _at_least("overlap_chars", self.overlap_chars, 0, 5_000)
        if self.overlap_chars >= self.passage_chars:
            raise ValueError("overlap_chars must be smaller than passage_chars")


@dataclass(frozen=True)
class AnalyzerOptions:
    __pydantic_config__ = _PYDANTIC_CONFIG

    stem: bool = True
    stopwords: bool = True


@dataclass(frozen=True)
class SearchOptions:
    __pydantic_config__ = _PYDANTIC_CONFIG

    results: int = 3  # answers per question
    min_score: float = 1.0  # best BM25 score below this is 'nothing found'
    excerpt_chars: int = 600  # longest quoted excerpt
    strong_coverage: float = 0.85  # share of a question's weight (idf) an answer covers to be a strong one
    # A question naming a word the archive never uses (after typo correction) gets 'nothing'.
    absent_is_unanswerable: bool = False
    partial_coverage: float = 0.6  # below this share, the best passage is not an answer: 'nothing in the archive'

    def __post_init__(self) -> None:
        _at_least("results", self.results, 1, 25)
        _at_least("min_score", self.min_score, 0.0)
        _at_least("excerpt_chars", self.excerpt_chars, 80, 1000)
        _at_least("strong_coverage", self.strong_coverage, 0, 1)
        _at_least("partial_coverage", self.partial_coverage, 0, 1)


@dataclass(frozen=True)
class ArchiveOptions:
    """Where the archive lives and how it is cut, analysed and ranked."""

    __pydantic_config__ = _PYDANTIC_CONFIG

    seeds_dir: Path = Path("seeds")
    data_dir: Path = Path("data")
    engine: EngineName = "tantivy"
    max_file_mb: float = 50.0  # single-article files above this are skipped
    allowed_link_dirs: list[Path] = field(default_factory=list)  # folders outside seeds_dir links in it may reach
    index_titles: bool = True
    boilerplate_min_titles: int = 3  # a sentence under this many titles is boilerplate, never quoted (0: off)
    max_removal_share: float = 0.5  # a reindex that would remove more of the archive than this stops and asks
    reload_check_seconds: float = 0.5  # how often to look for a reindex committed by another process
    chunking: ChunkingOptions = field(default_factory=ChunkingOptions)
    analyzer: AnalyzerOptions = field(default_factory=AnalyzerOptions)
    search: SearchOptions = field(default_factory=SearchOptions)

    def __post_init__(self) -> None:
        # Code (tests, benchmarks) may pass paths as text; pydantic converts those from files itself.
        for name in ("seeds_dir", "data_dir"):
            object.__setattr__(self, name, Path(getattr(self, name)))
        object.__setattr__(self, "allowed_link_dirs", [Path(p) for p in self.allowed_link_dirs])
        if self.engine not in (engines := get_args(EngineName)):
            raise OptionError("engine", f"Input should be {' or '.join(map(repr, engines))}", self.engine)
        if not self.max_file_mb > 0:
            raise OptionError("max_file_mb", "Input should be greater than 0", self.max_file_mb)
        _at_least("boilerplate_min_titles", self.boilerplate_min_titles, 0, 1000)
        _at_least("max_removal_share", self.max_removal_share, 0, 1)
        _at_least("reload_check_seconds", self.reload_check_seconds, 0, 60)

    def archive_options(self) -> ArchiveOptions:
        """Just these options (of a subclass that adds others, such as the bot's settings)."""
        return ArchiveOptions(**{option.name: getattr(self, option.name) for option in fields(ArchiveOptions)})

    def to_json(self) -> dict[str, Any]:
        """These options as JSON values (paths as text), for `from_json`."""
        data = asdict(self.archive_options())
        data.update(
            seeds_dir=str(self.seeds_dir),
            data_dir=str(self.data_dir),
            allowed_link_dirs=[str(path) for path in self.allowed_link_dirs],
        )
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ArchiveOptions:
        """Options `to_json` wrote. Their ranges are checked again, their types are not: not for input."""
        tables: dict[str, Any] = {"chunking": ChunkingOptions, "analyzer": AnalyzerOptions, "search": SearchOptions}
        values: dict[str, Any] = {key: tables[key](**value) if key in tables else value for key, value in data.items()}
        return ArchiveOptions(**values)
