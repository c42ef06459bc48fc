"""Build the organisation tables of a store: every name in `parties` resolved (entities/resolve.py), and
what /buyers and /suppliers list (organisation_stats), computed once per ingest instead of per page.

Rebuilt whole after linking: resolving is a pass over the distinct names (a few seconds for a
million notices' names) and the figures are one query; the corrections live in their own table
(organisation_decisions), so a rebuild never loses them.
"""

from __future__ import annotations

import re
from collections import defaultdict

import duckdb
import pyarrow as pa

from procurewatch.entities.decisions import decisions_of
from procurewatch.entities.keys import folded_name
from procurewatch.entities.resolve import NameSeen, Resolution, resolve

_NOT_WORD = re.compile(r"[\W_]+")

_NAMES_SQL = """SELECT name, role, any_value(vendor), count(*) FROM parties GROUP BY name, role"""
_GROUPS_SQL = """
SELECT list(DISTINCT p.name) FROM parties p JOIN notice_links l ON l.notice_id = p.notice_id
WHERE p.role IN ('buyer', 'supplier') GROUP BY l.procurement_id, p.role HAVING count(DISTINCT p.name) > 1"""

_PROCUREMENTS_SQL = """
WITH named AS (
    SELECT o.organisation_id AS oid, p.role, l.procurement_id AS pid, min(p.position) AS rank
    FROM parties p JOIN organisation_names o ON o.name = p.name
    JOIN notice_links l ON l.notice_id = p.notice_id
    GROUP BY 1, 2, 3
),
cats AS (
    SELECT l.procurement_id AS pid, string_agg(DISTINCT f.category, ',' ORDER BY f.category) AS categories
    FROM notice_links l JOIN findings f ON f.notice_id = l.notice_id GROUP BY 1
),
ev AS (
    SELECT l.procurement_id AS pid, min(e.text) AS evidence
    FROM notice_links l JOIN evidence e ON e.notice_id = l.notice_id
    WHERE e.subject_kind = 'category' GROUP BY 1
)
SELECT n.oid, n.role, n.pid, CASE WHEN n.role = 'candidate' THEN n.rank END, year(pr.first_published),
       pr.relevant, pr.spend_value, pr.spend_currency, CASE WHEN pr.relevant THEN c.categories END,
       ev.evidence
FROM named n JOIN procurements pr ON pr.id = n.pid
LEFT JOIN cats c ON c.pid = n.pid LEFT JOIN ev ON ev.pid = n.pid
ORDER BY n.oid, n.role"""

_STATS_SQL = """
WITH facts AS (
    SELECT organisation_id AS oid, role, procurement_id AS pid, relevant, spend_value, spend_currency, year,
           categories
    FROM organisation_procurements WHERE role IN ('buyer', 'supplier')
),
currency AS (
    SELECT oid, role, arg_max(spend_currency, k) AS currency FROM (
        SELECT oid, role, spend_currency, count(*) AS k FROM facts
        WHERE spend_value IS NOT NULL GROUP BY ALL) GROUP BY ALL
),
cats AS (
    SELECT oid, role, string_agg(DISTINCT c, ',' ORDER BY c) AS categories
    FROM facts, unnest(string_split(facts.categories, ',')) t(c) WHERE facts.categories IS NOT NULL
    GROUP BY ALL
),
counter AS (
    SELECT a.oid, a.role, count(DISTINCT b.oid) AS k
    FROM facts a JOIN facts b ON a.pid = b.pid AND a.role <> b.role GROUP BY ALL
)
SELECT f.oid, f.role, count(*), count(*) FILTER (WHERE f.relevant),
       CAST(sum(CAST(f.spend_value AS DECIMAL(38, 2)))
            FILTER (WHERE f.spend_currency = cu.currency) AS DOUBLE),
       any_value(cu.currency),
       min(f.year), max(f.year), any_value(cats.categories), coalesce(any_value(counter.k), 0),
       any_value(s.search_text)
FROM facts f
LEFT JOIN currency cu ON cu.oid = f.oid AND cu.role = f.role
LEFT JOIN cats ON cats.oid = f.oid AND cats.role = f.role
LEFT JOIN counter ON counter.oid = f.oid AND counter.role = f.role
JOIN search_texts s ON s.oid = f.oid
GROUP BY f.oid, f.role"""


def build_organisations(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild organisations, organisation_names and organisation_stats in one transaction."""
    seen: dict[str, NameSeen] = {}
    for name, role, vendor, count in con.execute(_NAMES_SQL).fetchall():
        s = seen.setdefault(name, NameSeen(name))
        s.mentions += int(count)
        s.roles.add(role)
        s.vendor = s.vendor or vendor
    groups = [g for (g,) in con.execute(_GROUPS_SQL).fetchall()]
    found = resolve(seen.values(), groups, decisions_of(con))
    con.execute("BEGIN")
    try:
        _write(con, found, seen)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {"organisations": len(found.organisations), "names": len(found.names)}


def _write(con: duckdb.DuckDBPyConnection, found: Resolution, seen: dict[str, NameSeen]) -> None:
    orgs = list(found.organisations.values())
    organisations = pa.table(
        {
            "id": [o.id for o in orgs],
            "name": [o.name for o in orgs],
            "key": [o.key for o in orgs],
            "vendor": [o.vendor for o in orgs],
            "parent_id": [o.parent_id for o in orgs],
            "parent_rule": [o.parent_rule for o in orgs],
            "mentions": pa.array([o.mentions for o in orgs], pa.int32()),
        }
    )
    items = list(found.names.items())
    names = pa.table(
        {
            "name": [n for n, _ in items],
            "key": [k for _, (_, k, _) in items],
            "organisation_id": [oid for _, (oid, _, _) in items],
            "rule": [r for _, (_, _, r) in items],
            "mentions": pa.array([seen[n].mentions if n in seen else 0 for n, _ in items], pa.int32()),
            "roles": [",".join(sorted(seen[n].roles)) if n in seen else "" for n, _ in items],
        }
    )
    texts: dict[str, set[str]] = defaultdict(set)
    for name, (oid, key, _) in items:
        texts[oid].update((key, _NOT_WORD.sub("", folded_name(name))))
    for o in orgs:
        texts[o.id].add(_NOT_WORD.sub("", folded_name(o.name)))
    search = pa.table({"oid": list(texts), "search_text": ["|".join(sorted(t)) for t in texts.values()]})
    for table in ("organisation_stats", "organisation_procurements", "organisation_names", "organisations"):
        con.execute(f"DELETE FROM {table}")
    con.register("new_organisations", organisations)
    con.register("new_names", names)
    con.register("search_texts", search)
    try:
        con.execute("INSERT INTO organisations SELECT * FROM new_organisations")
        con.execute("INSERT INTO organisation_names SELECT * FROM new_names")
        con.execute(f"INSERT INTO organisation_procurements {_PROCUREMENTS_SQL}")
        con.execute(f"INSERT INTO organisation_stats {_STATS_SQL}")
    finally:
        for view in ("new_organisations", "new_names", "search_texts"):
            con.unregister(view)
