"""newsbot's retrieval: seeds folder → articles → passages → BM25 index → quoted, dated answers.

The names the bot (and anyone else) needs are exported here; the modules behind
them are free to change.
"""

from retrieval.answer import Answer, Hit
from retrieval.archive import DATABASE_NAME, MAX_QUESTION_CHARS, Archive
from retrieval.dates import human_date, parse_date
from retrieval.errors import ArchiveError, ReindexBusy, RemovalsNeedConsent
from retrieval.options import ArchiveOptions
from retrieval.reindex import ReindexReport
from retrieval.store import AddedArticle, LatestItem
from retrieval.watch import reindex_round, watch_seeds

__all__ = [
    "DATABASE_NAME",
    "MAX_QUESTION_CHARS",
    "AddedArticle",
    "Answer",
    "Archive",
    "ArchiveError",
    "ArchiveOptions",
    "Hit",
    "LatestItem",
    "ReindexBusy",
    "ReindexReport",
    "RemovalsNeedConsent",
    "human_date",
    "parse_date",
    "reindex_round",
    "watch_seeds",
]
