"""Decisions as labels in eval-dev's format (../shared/data/eval-dev/README.md, "labels.jsonl"), and back.

`export_labels` writes one line per notice of every reviewed procurement (the decision that counts on
it): the notice's source (`path` + `locator`), the reviewer's verdict (`surveillance`, `categories`,
`role`, `basis` = the note, `confidence` "high", `stratum` "review") and the notice's facts as stored
(buyer, suppliers, amount, country, province, city, notice_type, lang, title). A confirmed
procurement without categories named by the reviewer carries the categories detected in it. Each
line also says who decided and when (`reviewer`, `decided_at`, `review_id`) and the notice's
`fingerprint`, so `import_labels` can carry the decisions into another store of the same notices.
`bench/accuracy.py --reviews FILE` scores the detector against such a file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from procurewatch.errors import UsageError
from procurewatch.review.decisions import REACHES, members, record

_LABELS = f"""
WITH counted AS (
    SELECT c.pid, max(c.review_id) AS review_id FROM ({REACHES}) c GROUP BY c.pid
)
SELECT c.pid, r.id, r.decision, r.categories, r.role, r.note, r.reviewer, r.decided_at
FROM counted c JOIN reviews r ON r.id = c.review_id
ORDER BY c.pid"""

_NOTICE = """
SELECT n.id, n.fingerprint, n.path, n.locator, n.title, n.language, n.buyer, n.country, n.province, n.city,
       n.notice_type, n.amount_value, n.amount_currency, n.amount_kind,
       (SELECT list(p.name ORDER BY p.position) FROM parties p
        WHERE p.notice_id = n.id AND p.role = 'supplier'),
       (SELECT list(DISTINCT f.category ORDER BY f.category) FROM findings f WHERE f.notice_id = n.id)
FROM notices n WHERE n.id = ?"""
_NOTICE_NAMES = (
    "id", "fingerprint", "path", "locator", "title", "language", "buyer", "country", "province", "city",
    "notice_type", "amount_value", "amount_currency", "amount_kind", "suppliers", "categories",
)  # fmt: skip


def labels(con: duckdb.DuckDBPyConnection) -> Iterator[dict[str, Any]]:
    """The labels of every reviewed procurement's notices, procurement by procurement."""
    for pid, rid, decision, cats, role, note, reviewer, when in con.execute(_LABELS).fetchall():
        notices = [con.execute(_NOTICE, [nid]).fetchone() for nid, *_ in members(con, pid)]
        detected = sorted({c for row in notices if row and row[-1] for c in row[-1]})
        surveillance = decision == "confirmed"
        categories = (cats.split(",") if cats else detected) if surveillance else []
        for row in notices:
            if row is None:
                continue
            n = dict(zip(_NOTICE_NAMES, row, strict=True))
            yield {
                "path": n["path"],
                "locator": n["locator"],
                "lang": n["language"],
                "surveillance": surveillance,
                "categories": categories,
                "role": role if surveillance else None,
                "buyer": n["buyer"],
                "suppliers": list(n["suppliers"] or []),
                "amount": (
                    {"value": n["amount_value"], "currency": n["amount_currency"], "kind": n["amount_kind"]}
                    if n["amount_value"] is not None
                    else None
                ),
                **{name: n[name] for name in ("country", "province", "city", "notice_type")},
                "basis": note or "",
                "confidence": "high",
                "stratum": "review",
                "title": n["title"],
                "procurement_id": pid,
                "notice_id": n["id"],
                "fingerprint": n["fingerprint"],
                "review_id": rid,
                "reviewer": reviewer,
                "decided_at": when.isoformat(timespec="seconds") + "Z",
            }


def export_labels(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """Write the labels to `out` (JSON Lines); return how many lines."""
    n = 0
    with Path(out).open("w", encoding="utf-8") as fh:
        for label in labels(con):
            fh.write(json.dumps(label, ensure_ascii=False) + "\n")
            n += 1
    return n


def import_labels(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[int, int]:
    """Record again, in this store, the decisions of a file `export_labels` wrote (who and when kept).
    A decision already here (same reviewer, time and verdict) is skipped; one whose notices this store
    does not hold is skipped too. Returns (recorded, skipped)."""
    groups: dict[Any, dict[str, Any]] = {}
    try:
        lines = Path(path).read_text("utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            label = json.loads(line)
            if not isinstance(label, dict) or not {"fingerprint", "reviewer", "decided_at"} <= label.keys():
                raise UsageError(f"{path}:{number}: not a line of 'procurewatch review-export'")
            key = (label.get("review_id"), label["reviewer"], label["decided_at"], label["surveillance"])
            group = groups.setdefault(key, {"label": label, "fingerprints": set()})
            group["fingerprints"].add(label["fingerprint"])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    recorded = skipped = 0
    for (_, reviewer, decided_at, surveillance), group in groups.items():
        when = datetime.fromisoformat(decided_at.removesuffix("Z"))
        decision = "confirmed" if surveillance else "rejected"
        (already,) = con.execute(  # type: ignore[misc]
            "SELECT count(*) FROM reviews WHERE reviewer = ? AND decided_at = ? AND decision = ?",
            [reviewer, when, decision],
        ).fetchone()
        found = con.execute(
            "SELECT DISTINCT coalesce(l.procurement_id, n.id) FROM notices n"
            " LEFT JOIN notice_links l ON l.notice_id = n.id WHERE n.fingerprint IN (SELECT unnest(?))"
            " ORDER BY 1 LIMIT 1",
            [sorted(group["fingerprints"])],
        ).fetchall()
        if already or not found:
            skipped += 1
            continue
        label = group["label"]
        record(
            con,
            found[0][0],
            decision,
            categories=label.get("categories") or [] if surveillance else [],
            role=label.get("role") if surveillance else None,
            note=label.get("basis") or None,
            reviewer=reviewer,
            decided_at=when,
        )
        recorded += 1
    return recorded, skipped
