"""What the `org-merge`, `org-split` and `org-corrections` commands do: record a correction, rebuild the
organisation tables so it shows at once, and say where each name landed."""

from __future__ import annotations

from pathlib import Path

from procurewatch.entities.build import build_organisations
from procurewatch.entities.decisions import Correction, corrections, record_correction
from procurewatch.store.db import open_store


def correct(
    db_path: Path,
    action: str,
    name_a: str,
    name_b: str | None = None,
    note: str | None = None,
    reviewer: str | None = None,
) -> tuple[int, list[tuple[str, str, str]]]:
    """Record the correction and rebuild; (its id, [(name, organisation id, organisation name)])."""
    con = open_store(db_path)
    try:
        made = record_correction(con, action, name_a, name_b, note, reviewer)
        build_organisations(con)
        landed = []
        for given in filter(None, (name_a, name_b)):
            row = con.execute(
                """SELECT o.id, o.name FROM organisations o
                   LEFT JOIN organisation_names n ON n.organisation_id = o.id AND n.name = ?
                   WHERE n.name IS NOT NULL OR o.id = ? LIMIT 1""",
                [given.strip(), given.strip()],
            ).fetchone()
            landed.append((given, *(row or ("(not in this store yet)", ""))))
        return made, landed
    finally:
        con.close()


def list_corrections(db_path: Path) -> list[Correction]:
    con = open_store(db_path)
    try:
        return corrections(con)
    finally:
        con.close()
