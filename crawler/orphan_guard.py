"""End the crawl process at once when the refresh that started it has died (e.g. SIGKILL).

Nobody would read what an orphaned crawl stages, and it would keep knocking on the site: it
checks its parent every second and exits without writing anything more.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

ORPHAN_EXIT_CODE = 70
CHECK_EVERY = 1.0


class OrphanGuard:
    def __init__(self, parent_pid: int) -> None:
        self.parent_pid = parent_pid
        self.loop = task.LoopingCall(self.check)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        parent_pid = crawler.settings.getint("ECEI_PARENT_PID")
        if not parent_pid:
            raise NotConfigured("ECEI_PARENT_PID is not set")
        guard = cls(parent_pid)
        crawler.signals.connect(guard.engine_started, signal=signals.engine_started)
        crawler.signals.connect(guard.engine_stopped, signal=signals.engine_stopped)
        return guard

    def engine_started(self) -> None:
        self.loop.start(CHECK_EVERY, now=True)

    def engine_stopped(self) -> None:
        if self.loop.running:
            self.loop.stop()

    def check(self) -> None:
        # a dead parent's children are handed to init (or a subreaper): the parent pid changes
        if os.getppid() != self.parent_pid:
            logger.error("the refresh process %d has gone: stopping the crawl", self.parent_pid)
            logging.shutdown()
            os._exit(ORPHAN_EXIT_CODE)
