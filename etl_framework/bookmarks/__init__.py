"""Job bookmarks: incremental runs with versioned state in files the user owns."""

from .session import BookmarkSession, SourceBookmark, source_bookmark
from .store import BookmarkError, BookmarkStore, BookmarkVersion, ConcurrentCommitError

__all__ = [
    "BookmarkError",
    "BookmarkSession",
    "BookmarkStore",
    "BookmarkVersion",
    "ConcurrentCommitError",
    "SourceBookmark",
    "source_bookmark",
]
