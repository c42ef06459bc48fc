"""The rows the hand-off exports (FollowTheMoney, OCDS, SQLite) are made of: the selected notices with
their parties, findings and evidence, and the procurements they belong to with their amount flags.

They are read as a stream, a few thousand notices at a time and never splitting a procurement: one
query per table, each ordered by procurement, read in Arrow batches and merged here. DuckDB sorts
under a memory limit and spills to a temporary folder, so the notices, bodies and evidence are never
held whole; the selection's ids and its procurements' figures (`prepare`) are. Bodies are not in the
parts: notice_bodies streams them unsorted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import duckdb
import pyarrow as pa

from procurewatch.query.amount_checks import explain
from procurewatch.query.counts import base_ctes

_SELECTED = "pw_handoff_selected"
_FETCH_ROWS = 2000


@dataclass
class HandoffRows:
    """Plain rows of whole procurements keyed for assembly: notices in procurement, date and id order; the
    rest by notice or procurement id; `resolved` maps a name to the store's organisation of it."""

    notices: list[dict[str, Any]] = field(default_factory=list)
    parties: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    findings: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    procurements: dict[str, dict[str, Any]] = field(default_factory=dict)
    flags: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    resolved: dict[str, str] = field(default_factory=dict)


def _has_organisations(cur: duckdb.DuckDBPyConnection) -> bool:
    """A store built before organisations were has no organisation_names table."""
    found = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'organisation_names'"
    ).fetchall()
    return bool(found[0][0])


def _organisation_of(cur: duckdb.DuckDBPyConnection, column: str) -> str:
    if not _has_organisations(cur):
        return "CAST(NULL AS VARCHAR)"
    return f"(SELECT any_value(o.organisation_id) FROM organisation_names o WHERE o.name = {column})"


Cursor = Callable[[], duckdb.DuckDBPyConnection]
# the selection and its procurements, written once to the export's own in-memory database
_SEL = "memory.main.pw_handoff_sel"
_PROCS = "memory.main.pw_handoff_procs"
_FLAGS = "memory.main.pw_handoff_flags"


def prepare(cursor: Cursor, notice_ids: pa.Array) -> None:
    """The selected notices with their procurement, and those procurements with their categories, buyer's
    organisation and amount flags: small rows, computed once from the store-wide CTEs so that the streams
    only join the store's tables to them."""
    with cursor() as cur:
        cur.register(_SELECTED, pa.table({"id": notice_ids.cast(pa.string())}))
        base = base_ctes(cur)
        buyer_org = _organisation_of(cur, "p.buyer")
        cur.execute(
            f"""CREATE OR REPLACE TABLE {_SEL} AS WITH {base}
                SELECT s.id, m.procurement_id FROM {_SELECTED} s JOIN members m ON m.notice_id = s.id"""
        )
        cur.execute(
            f"""CREATE OR REPLACE TABLE {_PROCS} AS WITH {base}
                SELECT p.*, (SELECT list(category ORDER BY category) FROM proc_categories c
                             WHERE c.pid = p.id) AS categories,
                       {buyer_org} AS pw_buyer_organisation
                FROM procs p WHERE p.id IN (SELECT procurement_id FROM {_SEL})"""
        )
        cur.execute(
            f"""CREATE OR REPLACE TABLE {_FLAGS} AS WITH {base}
                SELECT af.* FROM amount_flags af WHERE af.pid IN (SELECT procurement_id FROM {_SEL})"""
        )
        cur.unregister(_SELECTED)


def _stream(cursor: Cursor, sql: str) -> Iterator[dict[str, Any]]:
    """The rows of `sql`, read a batch at a time on a cursor of their own so several streams can be
    merged."""
    cur = cursor()
    try:
        for batch in cur.sql(sql).to_arrow_reader(_FETCH_ROWS):
            yield from batch.to_pylist()
    finally:
        cur.close()


class _Grouped:
    """A stream of rows ordered by `key`, taken one key's rows at a time."""

    def __init__(self, rows: Iterator[dict[str, Any]], key: str) -> None:
        self._groups = groupby(rows, key=lambda r: r[key])
        self._head: tuple[Any, list[dict[str, Any]]] | None = self._next()

    def _next(self) -> tuple[Any, list[dict[str, Any]]] | None:
        found = next(self._groups, None)
        return None if found is None else (found[0], list(found[1]))

    @property
    def key(self) -> Any:
        """The key of the next group (None at the end)."""
        return None if self._head is None else self._head[0]

    def take(self, key: Any) -> list[dict[str, Any]]:
        while self._head is not None and self._head[0] < key:
            self._head = self._next()
        if self._head is None or self._head[0] != key:
            return []
        rows = self._head[1]
        self._head = self._next()
        return rows


def handoff_parts(cursor: Cursor, notices_per_part: int) -> Iterator[HandoffRows]:
    """Everything the exports need about the notices `prepare` was given (already filtered) and their
    procurements, in parts of whole procurements of about `notices_per_part` notices."""
    with cursor() as cur:
        party_org = _organisation_of(cur, "t.name")
    notices = _Grouped(
        _stream(
            cursor,
            f"""SELECT n.id, sel.procurement_id, n.url, n.kind, n.title, n.notice_type, n.published,
                      n.project_code, n.ocid, n.buyer, n.language, n.country, n.province, n.city, n.district,
                      n.amount_value, n.amount_currency, n.amount_kind, n.relevant, n.score, n.title_match,
                      n.role
               FROM notices n JOIN {_SEL} sel ON sel.id = n.id
               ORDER BY sel.procurement_id, n.published NULLS LAST, n.id""",
        ),
        "procurement_id",
    )
    by_notice = {
        table: _Grouped(
            _stream(
                cursor,
                f"""SELECT sel.procurement_id AS pw_pid, t.*{extra}
                    FROM {table} t JOIN {_SEL} sel ON sel.id = t.notice_id
                    ORDER BY sel.procurement_id, t.notice_id, {order}""",
            ),
            "pw_pid",
        )
        for table, order, extra in (
            ("parties", "role, position", f", {party_org} AS pw_organisation"),
            ("findings", "score DESC, category", ""),
            ("evidence", "field, start_offset, subject", ""),
        )
    }
    procurements = _Grouped(
        _stream(
            cursor,
            f"SELECT * FROM {_PROCS} ORDER BY id",
        ),
        "id",
    )
    flags = _Grouped(
        _stream(
            cursor,
            f"SELECT * FROM {_FLAGS} ORDER BY pid, rule",
        ),
        "pid",
    )
    part = HandoffRows()
    while (pid := notices.key) is not None:
        _add(part, pid, notices.take(pid), by_notice, procurements.take(pid), flags.take(pid))
        if len(part.notices) >= notices_per_part:
            yield part
            part = HandoffRows()
    if part.notices:
        yield part


def _add(
    part: HandoffRows,
    pid: str,
    notices: list[dict[str, Any]],
    by_notice: dict[str, _Grouped],
    procs: list[dict[str, Any]],
    flags: list[dict[str, Any]],
) -> None:
    part.notices.extend(notices)
    for table, stream in by_notice.items():
        for row in _without_pid(stream.take(pid)):
            if table == "parties" and (oid := row.pop("pw_organisation")):
                part.resolved[row["name"]] = oid
            getattr(part, table)[row.pop("notice_id")].append(row)
    for proc in procs:
        if (oid := proc.pop("pw_buyer_organisation")) and proc["buyer"]:
            part.resolved[proc["buyer"]] = oid
        part.procurements[pid] = proc
    for flag in flags:
        part.flags[pid].append({"rule": flag["rule"], "evidence": explain(flag)})


def _without_pid(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        row.pop("pw_pid")
        yield row


def notice_bodies(cursor: Cursor) -> Iterator[dict[str, Any]]:
    """The id and body of every notice of the last parts read, in the store's order: bodies are never
    sorted (DuckDB would hold them to sort), so they come apart from the parts."""
    yield from _stream(cursor, f"SELECT n.id, n.body FROM notices n JOIN {_SEL} sel ON sel.id = n.id")


def organisation_mentions(cursor: Cursor) -> Iterator[dict[str, Any]]:
    """Every buyer and supplier named by the selected notices (name, role, the notice's country and the
    store's organisation of the name), in the order the parts give them."""
    with cursor() as cur:
        organisation = _organisation_of(cur, "t.name")
    yield from _stream(
        cursor,
        f"""SELECT t.name, t.role, n.country, {organisation} AS organisation_id
            FROM parties t JOIN {_SEL} sel ON sel.id = t.notice_id JOIN notices n ON n.id = t.notice_id
            ORDER BY sel.procurement_id, n.published NULLS LAST, n.id, t.role, t.position""",
    )
