"""The selection as a SQLite file for Datasette (sqlite-utils), full-text search enabled.

Tables: notices, procurements, findings, evidence, amount_flags, organisations (by report/handoff.py
`organisation_id`) and notice_organisations (every mention, with the spelling seen).

Search: `notices_fts` indexes title, text, buyer and suppliers with SQLite's trigram tokenizer, so any
string of three or more characters is found where it occurs, Chinese included (人脸识别, 海康威视),
case-insensitively; Datasette's search box uses it. SQLite's default tokenizer would take a whole run
of Chinese characters between punctuation as one word. Words of one or two characters (人脸, 卡口) are
searched in `notice_words_fts` (table notice_words): the same text cut into words and CJK pairs by the
project's own tokeniser (search/tokens.py), indexed with the default tokenizer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from procurewatch.report.handoff import Part, Selection
from procurewatch.search.tokens import bigram_tokens, seg_text

_BATCH = 1000


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _names(selection: Part, notice_id: str, role: str) -> list[str]:
    return [p["name"] for p in selection.rows.parties.get(notice_id, []) if p["role"] == role]


def _notice_rows(selection: Part) -> Iterator[dict[str, Any]]:
    for n in selection.notices:
        yield {
            "id": n["id"],
            "procurement_id": n["procurement_id"],
            "published": _iso(n["published"]),
            "notice_type": n["notice_type"],
            "title": n["title"],
            "text": None,  # filled from Selection.bodies (_add_bodies)
            "buyer": n["buyer"],
            "suppliers": "; ".join(_names(selection, n["id"], "supplier")),
            "categories": ", ".join(
                sorted({f["category"] for f in selection.rows.findings.get(n["id"], [])})
            ),
            "relevant": bool(n["relevant"]),
            "role": n["role"],
            "score": n["score"],
            "amount": n["amount_value"],
            "currency": n["amount_currency"],
            "amount_kind": n["amount_kind"],
            "language": n["language"],
            "country": n["country"],
            "province": n["province"],
            "city": n["city"],
            "url": n["url"],
        }


def _add_bodies(db: sqlite_utils.Database, selection: Selection) -> None:
    """Each notice's text, and its words (title, text, buyer and suppliers cut into words and CJK pairs)."""
    words = []
    for notice_id, body in selection.bodies():
        db.execute("UPDATE notices SET text = ? WHERE id = ?", [body, notice_id])
        row = db.execute("SELECT title, buyer, suppliers FROM notices WHERE id = ?", [notice_id]).fetchone()
        text = " ".join(filter(None, [row[0], body, row[1], *(row[2] or "").split("; ")]))
        words.append({"notice_id": notice_id, "words": seg_text(text) + " " + " ".join(bigram_tokens(text))})
        if len(words) >= _BATCH:
            _insert_words(db, words)
            words = []
    _insert_words(db, words)


def _insert_words(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    if rows:
        db["notice_words"].insert_all(rows, pk="notice_id", foreign_keys=[("notice_id", "notices", "id")])


def _procurement_rows(selection: Part) -> Iterator[dict[str, Any]]:
    for pid, p in selection.rows.procurements.items():
        yield {
            "id": pid,
            "title": p["title"],
            "buyer": p["buyer"],
            "buyer_id": selection.organisation_id(p["buyer"]) if p["buyer"] else None,
            "status": p["status"],
            "first_published": _iso(p["first_published"]),
            "last_published": _iso(p["last_published"]),
            "notices": p["notices"],
            "spend": p["spend_value"],
            "currency": p["spend_currency"],
            "spend_kind": p["spend_kind"],
            "relevant": bool(p["relevant"]),
            "role": p["role"],
            "score": p["score"],
            "categories": ", ".join(p["categories"] or []),
            "amount_flags": ", ".join(p["amount_flags"] or []),
        }


def _mention_rows(selection: Part) -> Iterator[dict[str, Any]]:
    for n in selection.notices:
        for p in selection.rows.parties.get(n["id"], []):
            yield {
                "notice_id": n["id"],
                "organisation_id": selection.organisation_id(p["name"]),
                "role": p["role"],
                "position": p["position"],
                "name": p["name"],
                "vendor": p["vendor"],
            }


def _write_part(db: sqlite_utils.Database, part: Part) -> None:
    db["notices"].insert_all(_notice_rows(part), pk="id", batch_size=_BATCH)
    db["procurements"].insert_all(_procurement_rows(part), pk="id", batch_size=_BATCH)
    db["notice_organisations"].insert_all(
        _mention_rows(part),
        foreign_keys=[("notice_id", "notices", "id"), ("organisation_id", "organisations", "id")],
        batch_size=_BATCH,
    )
    db["findings"].insert_all(
        ({"notice_id": nid, **f} for nid, rows in part.rows.findings.items() for f in rows),
        foreign_keys=[("notice_id", "notices", "id")],
    )
    db["evidence"].insert_all(
        ({"notice_id": nid, **e} for nid, rows in part.rows.evidence.items() for e in rows),
        foreign_keys=[("notice_id", "notices", "id")],
        batch_size=_BATCH,
    )
    db["amount_flags"].insert_all(
        ({"procurement_id": pid, **f} for pid, rows in part.rows.flags.items() for f in rows),
        foreign_keys=[("procurement_id", "procurements", "id")],
    )


def write(selection: Selection, out: Path) -> dict[str, int]:
    out.unlink(missing_ok=True)
    db = sqlite_utils.Database(out)
    # a new file written once: a crash leaves an unfinished file either way, so no journal or syncs
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    try:
        organisations = (
            {
                "id": o["id"],
                "name": o["name"],
                "roles": ", ".join(sorted(o["roles"])),
                "notices": o["notices"],
            }
            for o in selection.organisations().values()
        )
        db["organisations"].insert_all(organisations, pk="id", batch_size=_BATCH)
        for part in selection.parts():
            _write_part(db, part)
        _add_bodies(db, selection)
        for table in ("notices", "procurements", "findings", "evidence", "organisations", "amount_flags"):
            db[table].create(_EMPTY[table], pk=_PK.get(table), if_not_exists=True)
        db["notice_organisations"].create(_EMPTY["notice_organisations"], if_not_exists=True)
        db["notice_words"].create({"notice_id": str, "words": str}, pk="notice_id", if_not_exists=True)
        db["notices"].enable_fts(["title", "text", "buyer", "suppliers"], tokenize="trigram")
        db["notice_words"].enable_fts(["words"])
        db["organisations"].enable_fts(["name"], tokenize="trigram")
        db["procurements"].enable_fts(["title", "buyer"], tokenize="trigram")
        return {
            name: db[name].count
            for name in ("notices", "procurements", "organisations", "findings", "evidence")
        }
    finally:
        db.close()


_PK = {"notices": "id", "procurements": "id", "organisations": "id"}
# the columns of each table, so an empty selection still gives every table (and its search)
_EMPTY: dict[str, dict[str, type]] = {
    "notices": {"id": str, "procurement_id": str, "title": str, "text": str, "buyer": str, "suppliers": str},
    "procurements": {"id": str, "title": str, "buyer": str},
    "findings": {"notice_id": str, "category": str, "score": float, "role": str},
    "evidence": {"notice_id": str, "subject_kind": str, "subject": str, "field": str, "text": str},
    "organisations": {"id": str, "name": str, "roles": str, "notices": int},
    "notice_organisations": {"notice_id": str, "organisation_id": str, "role": str, "name": str},
    "amount_flags": {"procurement_id": str, "rule": str, "evidence": str},
}
