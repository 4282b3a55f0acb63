"""The knowledge-base index the action server answers from, rebuilt when editors publish."""

from __future__ import annotations

import logging
import os
import threading

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from frontdesk.database import session_scope
from policies_kb import service as kb_service
from policies_kb.retrieval import KnowledgeIndex

log = logging.getLogger(__name__)

WARM_UP_VARIABLE = "ACTIONS_WARM_UP"


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

    def warm_up(self) -> None:
        """Build the index (and load the speller) before the first question, in the background at
        start-up; a database not ready yet only leaves that to the first question."""
        try:
            with session_scope() as session:
                index = self.get(session)
            index.segmenter.query_tokens("人才公寓怎么申请")  # loads the speller too
        except SQLAlchemyError:
            log.warning("knowledge-base index not built at start-up: the database is not ready")


index_cache = IndexCache()
if os.environ.get(WARM_UP_VARIABLE) == "1":  # set by the supervisor for the action server it starts
    threading.Thread(target=index_cache.warm_up, name="kb-index-warm-up", daemon=True).start()
