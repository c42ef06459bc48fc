"""What the hand-off exports share (`export --format ftm|ocds|sqlite`): the selected notices read once
and masked, and the organisation id of a name."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from procurewatch import knowledge
from procurewatch.entities.keys import organisation_key
from procurewatch.query.filters import NoticeFilters
from procurewatch.query.handoff import HandoffRows, handoff_rows

_MASKED_NOTICE_FIELDS = ("title", "body", "buyer")


@cache
def settings() -> dict[str, Any]:
    return knowledge.load_json("handoff", "settings.json")


def organisation_id(name: str) -> str:
    """The id of a name no organisation of the store holds: the hash of its normalised key
    (entities/keys.py: legal forms, brackets, width, script, case and spacing), so the spellings that
    key joins share one id."""
    return "org-" + hashlib.sha1(organisation_key(name).encode("utf-8")).hexdigest()[:20]


@dataclass
class Selection:
    """The filtered notices and what goes with them, personal data masked unless revealed."""

    rows: HandoffRows
    resolved: dict[str, str] = field(default_factory=dict)  # name as shown → the store's organisation id

    def organisation_id(self, name: str) -> str:
        """The one id of the organisation a buyer or supplier name stands for, in every hand-off
        format: the organisation the store resolved the name to (entities/, with a person's merges and
        splits), else the name's key."""
        return self.resolved.get(name) or organisation_id(name)

    @property
    def notices(self) -> list[dict[str, Any]]:
        return self.rows.notices

    def notices_by_procurement(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for notice in self.rows.notices:
            out.setdefault(notice["procurement_id"], []).append(notice)
        return out

    def organisations(self) -> dict[str, dict[str, Any]]:
        """organisation_id → {id, name, roles, notices}: every buyer and supplier named in the selection
        (the first spelling seen gives the name)."""
        out: dict[str, dict[str, Any]] = {}
        for notice in self.rows.notices:
            for party in self.rows.parties.get(notice["id"], []):
                org = out.setdefault(
                    self.organisation_id(party["name"]),
                    {
                        "id": self.organisation_id(party["name"]),
                        "name": party["name"],
                        "roles": set(),
                        "notices": 0,
                    },
                )
                org["roles"].add(party["role"])
                org["notices"] += 1
        return out


def _mask_rows(rows: HandoffRows, mask: Callable[[str | None], str]) -> None:
    def masked(value: str | None) -> str | None:
        return None if value is None else mask(value)

    for notice in rows.notices:
        for name in _MASKED_NOTICE_FIELDS:
            notice[name] = masked(notice[name])
    for parties in rows.parties.values():
        for party in parties:
            party["name"] = mask(party["name"])
    for evidence in rows.evidence.values():
        for item in evidence:
            item["text"] = mask(item["text"])
    for proc in rows.procurements.values():
        proc["title"] = masked(proc["title"])
        proc["buyer"] = masked(proc["buyer"])


def load_selection(db: Path, filters: NoticeFilters, reveal: bool) -> Selection:
    """The notices `filters` select (as `export` selects them) with their parties, findings, evidence and
    procurements, masked by the project's masking unless `reveal`."""
    from procurewatch.privacy import Masker
    from procurewatch.query.explorer import Explorer
    from procurewatch.search.index import index_dir_for, sync_index

    if filters.q and not index_dir_for(db).exists():
        sync_index(db)
    explorer = Explorer(db)
    try:
        ids = explorer.export_table(filters, sort="date").column("id").to_pylist()
        with explorer.cursor() as cur:
            rows = handoff_rows(cur, ids)
            names = {p["name"] for parties in rows.parties.values() for p in parties}
            names |= {p["buyer"] for p in rows.procurements.values() if p["buyer"]}
            resolved = _resolved(cur, names)
    finally:
        explorer.close()
    masker = Masker(reveal)
    _mask_rows(rows, masker)
    return Selection(rows, {masker(name): oid for name, oid in resolved.items()})


def _resolved(cur: Any, names: set[str]) -> dict[str, str]:
    """The store's organisation of each name (none in a store built before organisations were)."""
    if not names:
        return {}
    try:
        found = cur.execute(
            "SELECT name, organisation_id FROM organisation_names WHERE list_contains(?, name)",
            [sorted(names)],
        ).fetchall()
    except Exception:  # duckdb.CatalogException: an older store without the table
        return {}
    return dict(found)
