"""What the hand-off exports share (`export --format ftm|ocds|sqlite`): the selected notices read in
parts of whole procurements and masked, and the organisation id of a name."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from procurewatch import knowledge
from procurewatch.entities.keys import organisation_key
from procurewatch.query.filters import NoticeFilters
from procurewatch.query.handoff import (
    HandoffRows,
    handoff_parts,
    notice_bodies,
    organisation_mentions,
    prepare,
)

_MASKED_NOTICE_FIELDS = ("title", "buyer")


@cache
def settings() -> dict[str, Any]:
    return knowledge.load_json("handoff", "settings.json")


def organisation_id(name: str) -> str:
    """The id of a name no organisation of the store holds: the hash of its normalised key
    (entities/keys.py: legal forms, brackets, width, script, case and spacing), so the spellings that
    key joins share one id."""
    return "org-" + hashlib.sha1(organisation_key(name).encode("utf-8")).hexdigest()[:20]


@dataclass
class Part:
    """Some whole procurements of the selection with their notices and what goes with them, personal data
    masked unless revealed."""

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


class Selection:
    """The notices the export filters select, read in parts (query/handoff.py) so that neither they nor
    their bodies and evidence are held whole; their ids are."""

    def __init__(self, db: Path, notice_ids: pa.Array, mask: Callable[[str], str], spill: Path) -> None:
        self.notice_ids = notice_ids
        self._mask = mask
        # the export's own connection: an in-memory database for the selection's small tables, the store
        # attached read-only, and DuckDB's sorts held within a limit, spilling beyond it
        self._con = duckdb.connect(
            ":memory:",
            config={"temp_directory": str(spill), "threads": settings()["duckdb_threads"]},
        )
        self._con.execute("ATTACH ? AS pw_store (READ_ONLY)", [str(db)])
        # the store-wide figures (procurements, amount flags) are computed once, as the explorer computes
        # them; only then is DuckDB held to the limit under which the parts are sorted and streamed
        prepare(self.cursor, notice_ids)
        self._con.execute(f"SET memory_limit = '{settings()['duckdb_memory_limit']}'")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self._con.cursor()
        cur.execute("USE pw_store")
        return cur

    def close(self) -> None:
        self._con.close()

    @property
    def notice_count(self) -> int:
        return len(self.notice_ids)

    def digest(self) -> str:
        """A short hash of the selected notice ids (names the OCDS package)."""
        sha = hashlib.sha1()
        for i in range(0, len(self.notice_ids), _ID_CHUNK):
            sha.update(" ".join(self.notice_ids[i : i + _ID_CHUNK].to_pylist()).encode() + b" ")
        return sha.hexdigest()[:16]

    def parts(self) -> Iterator[Part]:
        """The selection's procurements, a part at a time, masked."""
        for rows in handoff_parts(self.cursor, settings()["notices_per_part"]):
            resolved = {self._mask(name): oid for name, oid in rows.resolved.items()}
            _mask_rows(rows, self._mask)
            yield Part(rows, resolved)

    def bodies(self) -> Iterator[tuple[str, str | None]]:
        """(notice id, masked body) of every selected notice, in no particular order (after parts())."""
        for row in notice_bodies(self.cursor):
            yield row["id"], None if row["body"] is None else self._mask(row["body"])

    def organisations(self) -> dict[str, dict[str, Any]]:
        """organisation_id → {id, name, roles, notices, countries}: every buyer and supplier named in the
        selection (the first spelling seen gives the name)."""
        out: dict[str, dict[str, Any]] = {}
        for mention in organisation_mentions(self.cursor):
            name = self._mask(mention["name"])
            oid = mention["organisation_id"] or organisation_id(name)
            org = out.setdefault(
                oid, {"id": oid, "name": name, "roles": set(), "notices": 0, "countries": set()}
            )
            org["roles"].add(mention["role"])
            org["notices"] += 1
            if mention["country"]:
                org["countries"].add(mention["country"].lower())
        return out


_ID_CHUNK = 10_000


def _mask_rows(rows: HandoffRows, mask: Callable[[str], str]) -> None:
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


@contextmanager
def open_selection(db: Path, filters: NoticeFilters, reveal: bool) -> Iterator[Selection]:
    """The notices `filters` select (as `export` selects them), to be read in parts with their parties,
    findings, evidence and procurements, masked by the project's masking unless `reveal`."""
    from procurewatch.privacy import Masker
    from procurewatch.query.explorer import Explorer
    from procurewatch.search.index import index_dir_for, sync_index

    if filters.q and not index_dir_for(db).exists():
        sync_index(db)
    explorer = Explorer(db)
    try:
        ids = explorer.notice_ids(filters)
        ids = ids.take(pc.sort_indices(ids))  # sorted: the package's digest does not depend on scan order
    finally:
        explorer.close()
    with tempfile.TemporaryDirectory(prefix="procurewatch-export-") as spill:
        selection = Selection(db, ids, Masker(reveal), Path(spill))
        try:
            yield selection
        finally:
            selection.close()
