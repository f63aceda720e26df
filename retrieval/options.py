"""The retrieval settings, validated once; `bot.settings` reads them from file and environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from newsbot.retrieval.engines import EngineName


class ChunkingOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    passage_chars: int = Field(600, ge=100, le=10_000, description="target passage size in characters")
    overlap_chars: int = Field(150, ge=0, le=5_000, description="trailing sentences carried into the next passage")

    @model_validator(mode="after")
    def _overlap_below_target(self) -> ChunkingOptions:
        if self.overlap_chars >= self.passage_chars:
            raise ValueError("overlap_chars must be smaller than passage_chars")
        return self


class AnalyzerOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stem: bool = True
    stopwords: bool = True


class SearchOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: int = Field(3, ge=1, le=25, description="answers per question")
    min_score: float = Field(1.0, ge=0.0, description="best BM25 score below this is 'nothing found'")
    excerpt_chars: int = Field(600, ge=80, le=1000, description="longest quoted excerpt")
    strong_coverage: float = Field(
        0.85, ge=0, le=1, description="share of a question's weight (idf) an answer covers to be a strong one"
    )
    absent_is_unanswerable: bool = Field(
        False, description="a question naming a word the archive never uses (after typo correction) gets 'nothing'"
    )
    partial_coverage: float = Field(
        0.65, ge=0, le=1, description="below this share, the best passage is not an answer: 'nothing in the archive'"
    )


class ArchiveOptions(BaseModel):
    """Where the archive lives and how it is cut, analysed and ranked."""

    model_config = ConfigDict(extra="forbid")

    seeds_dir: Path = Path("seeds")
    data_dir: Path = Path("data")
    engine: EngineName = "tantivy"
    max_file_mb: float = Field(50.0, gt=0, description="single-article files above this are skipped")
    allowed_link_dirs: list[Path] = Field(
        default_factory=list, description="folders outside seeds_dir that links in it may lead to"
    )
    index_titles: bool = True
    boilerplate_min_titles: int = Field(
        3, ge=0, le=1000, description="a sentence under this many titles is boilerplate, never quoted (0: off)"
    )
    max_removal_share: float = Field(
        0.5, ge=0, le=1, description="a reindex that would remove more of the archive than this stops and asks"
    )
    reload_check_seconds: float = Field(
        0.5, ge=0, le=60, description="how often to look for a reindex committed by another process"
    )
    chunking: ChunkingOptions = Field(default_factory=lambda: ChunkingOptions())
    analyzer: AnalyzerOptions = Field(default_factory=lambda: AnalyzerOptions())
    search: SearchOptions = Field(default_factory=lambda: SearchOptions())
