"""newsbot's retrieval: seeds folder → articles → passages → BM25 index → quoted, dated answers.

The names the bot (and anyone else) needs are exported here; the modules behind
them are free to change.
"""

from newsbot.retrieval.answer import Answer, Hit
from newsbot.retrieval.archive import DATABASE_NAME, MAX_QUESTION_CHARS, Archive
from newsbot.retrieval.dates import human_date, parse_date
from newsbot.retrieval.errors import ArchiveError, ReindexBusy, RemovalsNeedConsent
from newsbot.retrieval.locking import WatcherLock
from newsbot.retrieval.options import ArchiveOptions
from newsbot.retrieval.reindex import ReindexReport
from newsbot.retrieval.store import AddedArticle, LatestItem
from newsbot.retrieval.watch import reindex_round, watch_seeds

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
    "WatcherLock",
    "human_date",
    "parse_date",
    "reindex_round",
    "watch_seeds",
]
