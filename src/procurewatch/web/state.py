"""What every route of one app shares, kept on `app.state` rather than in closures.

create_app builds one Shared per app; a route reaches it with shared(request).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from procurewatch.privacy import Masker
from procurewatch.query.charts import ChartCache
from procurewatch.query.explorer import Explorer
from procurewatch.query.procurement_list import ProcurementLists


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


def shared(request: Request) -> Shared:
    return request.app.state.shared
