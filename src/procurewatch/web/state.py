"""What every route of one app shares, kept on `app.state` rather than in closures.

create_app builds one Shared per app; a route reaches it with shared(request).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from procurewatch.privacy import Masker
from procurewatch.query import procurement
from procurewatch.query.charts import ChartCache
from procurewatch.query.counts import data_vintage as analysis_vintage
from procurewatch.query.explorer import Explorer
from procurewatch.query.procurement_list import ProcurementLists
from procurewatch.web.security import LoginThrottle


@dataclass
class Settings:
    db_path: Path
    token: str | None = None
    reveal_personal_data: bool = False


@dataclass
class Shared:
    settings: Settings
    explorer: Explorer
    masker: Masker
    templates: Jinja2Templates
    charts: ChartCache
    lists: ProcurementLists
    # the review form's hidden field (web/review.py): a page of this app carries it, a forged form does not
    form_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)

    _vintage: dict[str, Any] | None = None
    _flags: dict[str, list[dict[str, Any]]] | None = None
    _flags_lock: threading.Lock = field(default_factory=threading.Lock)

    def vintage(self, cur: Any) -> dict[str, Any]:
        """What the store holds (counts.data_vintage): a scan of every notice, so read once; neither
        a page view nor a review decision changes it."""
        if self._vintage is None:
            self._vintage = analysis_vintage(cur)
        return self._vintage

    def amount_flags(self, pid: str) -> list[dict[str, Any]]:
        """The procurement's flagged amounts: flags are computed over the whole store and a decision does
        not change them, so they are read once (through the analysis tables) and kept."""
        with self._flags_lock:
            if self._flags is None:
                cur = self.explorer.analysis_cursor()
                try:
                    self._flags = procurement.amount_flags(cur)
                finally:
                    cur.close()
            return self._flags.get(pid, [])

    def decided(self) -> None:
        """A decision changes the figures: drop the chart rows and procurement lists kept so far."""
        self.charts = ChartCache()
        self.lists = ProcurementLists()

    @property
    def writes(self) -> bool:
        """Reviewers' decisions are accepted only by a server started with an access token."""
        return bool(self.settings.token)


def shared(request: Request) -> Shared:
    return request.app.state.shared
