"""Build small stores by inserting rows straight into the schema (no ingest needed)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from importlib import resources
from typing import Any

import duckdb

from procurewatch.model import content_fingerprint


def new_store(path: str = ":memory:") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(path)
    con.execute(resources.files("procurewatch").joinpath("store/schema.sql").read_text("utf-8"))
    return con


def notice(title: str, body: str = "", **kw: Any) -> dict[str, Any]:
    """A notice row with defaults; keyword arguments override columns or add extras:
    categories=[(id, evidence_text_in_title)], suppliers=[(name, vendor)], mentions=[vendor]."""
    row: dict[str, Any] = {
        "title": title,
        "body": body,
        "path": kw.pop("path", "fixture.jsonl"),
        "locator": kw.pop("locator", title),
        "kind": "record",
        "notice_type": "other",
        "published": None,
        "project_code": None,
        "ocid": None,
        "buyer": None,
        "language": "zh",
        "country": "CN",
        "province": None,
        "city": None,
        "district": None,
        "admin_code": None,
        "amount_value": None,
        "amount_currency": None,
        "amount_kind": None,
        "relevant": False,
        "score": 0.0,
        "title_match": False,
        "role": None,
        "categories": [],
        "suppliers": [],
        "mentions": [],
    }
    row.update(kw)
    row["fingerprint"] = content_fingerprint(row["title"], row["body"])
    raw = f"{row['path']}\x1f{row['locator']}\x1f{row['fingerprint']}".encode()
    row.setdefault("id", hashlib.blake2b(raw, digest_size=10).hexdigest())
    return row


NOTICE_COLUMNS = [
    "id",
    "fingerprint",
    "path",
    "locator",
    "kind",
    "title",
    "body",
    "notice_type",
    "published",
    "project_code",
    "ocid",
    "buyer",
    "language",
    "country",
    "province",
    "city",
    "district",
    "admin_code",
    "amount_value",
    "amount_currency",
    "amount_kind",
    "relevant",
    "score",
    "title_match",
    "role",
]


def insert(con: duckdb.DuckDBPyConnection, *rows: dict[str, Any]) -> list[str]:
    for row in rows:
        values = [row[c] for c in NOTICE_COLUMNS]
        cols = ", ".join([*NOTICE_COLUMNS, "ingested_at"])
        marks = ", ".join("?" for _ in range(len(NOTICE_COLUMNS) + 1))
        con.execute(f"INSERT INTO notices ({cols}) VALUES ({marks})", [*values, datetime.now()])
        if row["buyer"]:
            con.execute("INSERT INTO parties VALUES (?, 'buyer', 0, ?, NULL)", [row["id"], row["buyer"]])
        for pos, (name, vendor) in enumerate(row["suppliers"]):
            con.execute("INSERT INTO parties VALUES (?, 'supplier', ?, ?, ?)", [row["id"], pos, name, vendor])
        for category, text in row["categories"]:
            con.execute(
                "INSERT INTO findings (notice_id, category, score) VALUES (?, ?, ?)",
                [row["id"], category, row["score"]],
            )
            start = row["title"].find(text)
            field, start = ("title", start) if start >= 0 else ("body", row["body"].find(text))
            con.execute(
                "INSERT INTO evidence VALUES (?, 'category', ?, ?, ?, ?, ?)",
                [row["id"], category, field, start, start + len(text), text],
            )
        for vendor in row["mentions"]:
            con.execute("INSERT INTO vendor_mentions VALUES (?, ?)", [row["id"], vendor])
    return [r["id"] for r in rows]


def links(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, float, str | None]]:
    rows = con.execute(
        "SELECT notice_id, procurement_id, reason, score, duplicate_of FROM notice_links"
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}
