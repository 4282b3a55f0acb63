"""The knowledge-base index the action server answers from, rebuilt when editors publish."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session

from policies_kb import service as kb_service
from policies_kb.retrieval import KnowledgeIndex

log = logging.getLogger(__name__)


class IndexCache:
    """Holds one index and rebuilds it when the published versions change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fingerprint: tuple[int, int] | None = None
        self._index: KnowledgeIndex | None = None

    def get(self, session: Session) -> KnowledgeIndex:
        fingerprint = kb_service.published_fingerprint(session)
        with self._lock:
            if self._index is None or fingerprint != self._fingerprint:
                self._index = kb_service.build_index(session, previous=self._index)
                self._fingerprint = fingerprint
                log.info("knowledge-base index built: %d published articles", len(self._index))
            return self._index


index_cache = IndexCache()
