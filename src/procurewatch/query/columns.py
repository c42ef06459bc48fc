"""Every notice's filter, facet and sort columns as numpy arrays, for search at corpus scale.

Joining a search's hits (up to every notice) with the `notices` table scans the whole table on
each new query; counting facets over those rows again costs more. The server reads these
columns once when it starts (it holds the store read-only, so they cannot go stale) and then
filters, counts and orders any set of hits in memory. Counts are exact and follow the same
rules as the SQL of query/notices.py and query/facets.py (which still serve while the columns
are being read): each facet is counted under every filter except its own; NULLs match no value.

Row position = rank of the notice id, so "then by id" orders are the position itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from procurewatch.detect.purchaser import buyer_type_condition
from procurewatch.query.facets import top_values
from procurewatch.query.filters import NoticeFilters, day
from procurewatch.query.notices import buyer_types

CODED = ("buyer", "city", "country", "province", "notice_type", "language")
VALUE_FACETS = ("year", "country", "province", "notice_type", "language")
MULTI_FACETS = ("category", "vendor")
_EPOCH = date(1970, 1, 1)
_NO_DAY = np.iinfo(np.int32).max

_NOTICES_SQL = """
SELECT n.id, m.key, CAST(n.published - DATE '1970-01-01' AS INTEGER) AS day,
       CAST(year(n.published) AS SMALLINT) AS year, n.relevant, n.amount_value,
       n.buyer, n.city, n.country, n.province, n.notice_type, n.language
FROM notices n LEFT JOIN pw_keymap m ON m.id = n.id
ORDER BY n.id"""


@dataclass
class Coded:
    """A string column as codes into `values` (-1 = NULL)."""

    codes: np.ndarray
    values: list[str]
    lookup: dict[str, int]

    @classmethod
    def of(cls, column: pa.ChunkedArray) -> Coded:
        encoded = pc.dictionary_encode(column).combine_chunks()
        values = encoded.dictionary.to_pylist()
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
        return cls(codes, values, {v: i for i, v in enumerate(values)})

    def wanted(self, values: list[str]) -> np.ndarray:
        return np.array([self.lookup[v] for v in values if v in self.lookup], dtype=np.int32)

    def matches(self, codes: np.ndarray, values: list[str]) -> np.ndarray:
        """codes ∈ values, by a lookup table (NULL, code -1, reads the table's last slot: False)."""
        table = np.zeros(len(self.values) + 1, dtype=bool)
        table[self.wanted(values)] = True
        return table[codes]


@dataclass
class Pairs:
    """A many-valued column (categories, vendors) as distinct (row position, value code) pairs."""

    positions: np.ndarray
    codes: np.ndarray
    values: list[str]
    lookup: dict[str, int]

    def rows_with_any(self, n: int, values: list[str]) -> np.ndarray:
        wanted = np.array([self.lookup[v] for v in values if v in self.lookup], dtype=np.int32)
        out = np.zeros(n, dtype=bool)
        out[self.positions[np.isin(self.codes, wanted)]] = True
        return out


class NoticeColumns:
    def __init__(self, cur: duckdb.DuckDBPyConnection, keymap: pa.Table) -> None:
        cur.register("pw_keymap", keymap)
        table = cur.sql(_NOTICES_SQL).to_arrow_table()
        cur.unregister("pw_keymap")
        self.n = table.num_rows
        self.all_rows = np.arange(self.n, dtype=np.int64)
        self.ids = table.column("id").combine_chunks()
        keys = table.column("key").combine_chunks()
        known = np.flatnonzero(keys.is_valid().to_numpy(zero_copy_only=False))
        key_values = keys.fill_null(0).to_numpy(zero_copy_only=False)[known]
        order = np.argsort(key_values, kind="stable")
        self.key_sorted = key_values[order].astype(np.uint64)
        self.key_position = known[order]
        days = table.column("day").combine_chunks()
        self.day_null = days.is_null().to_numpy(zero_copy_only=False)
        self.day = days.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int32)
        self.year = table.column("year").combine_chunks().fill_null(0).to_numpy(zero_copy_only=False)
        self.relevant = (
            table.column("relevant").combine_chunks().fill_null(False).to_numpy(zero_copy_only=False)
        )
        self.amount = (
            table.column("amount_value").combine_chunks().to_numpy(zero_copy_only=False).astype(np.float64)
        )
        self.coded = {name: Coded.of(table.column(name)) for name in CODED}
        positions = pa.table({"id": self.ids, "pos": pa.array(np.arange(self.n, dtype=np.int32))})
        cur.register("pw_positions", positions)
        self.pairs = {
            "category": self._pairs(
                cur,
                "SELECT DISTINCT p.pos, f.category AS value FROM findings f "
                "JOIN pw_positions p ON p.id = f.notice_id",
            ),
            "vendor": self._pairs(
                cur,
                "SELECT DISTINCT p.pos, v.vendor AS value FROM pw_vendor_rows v "
                "JOIN pw_positions p ON p.id = v.notice_id",
            ),
        }
        cur.unregister("pw_positions")
        self.buyer_types, self.buyer_type_matrix = self._buyer_types(cur)

    @staticmethod
    def _pairs(cur: duckdb.DuckDBPyConnection, sql: str) -> Pairs:
        table = cur.sql(sql).to_arrow_table()
        coded = Coded.of(table.column("value"))
        return Pairs(table.column("pos").to_numpy().astype(np.int64), coded.codes, coded.values, coded.lookup)

    def _buyer_types(self, cur: duckdb.DuckDBPyConnection) -> tuple[list[str], np.ndarray]:
        """Which purchaser types each distinct buyer name belongs to, by the SQL of detect/purchaser.py."""
        types = sorted(buyer_types())
        names = self.coded["buyer"].values
        if not types or not names:
            return types, np.zeros((len(names), len(types)), dtype=bool)
        params: list[Any] = []
        conds = [buyer_type_condition([t], params, column="b.buyer") for t in types]
        cur.register("pw_buyer_names", pa.table({"code": np.arange(len(names)), "buyer": names}))
        rows = cur.execute(
            f"SELECT code, {', '.join(f'coalesce({c}, FALSE)' for c in conds)} "
            "FROM pw_buyer_names b ORDER BY code",
            params,
        ).fetchall()
        cur.unregister("pw_buyer_names")
        return types, np.array([r[1:] for r in rows], dtype=bool).reshape(len(names), len(types))

    # ------------------------------------------------------------ hits

    def positions_of_keys(self, keys: list[int], scores: list[float]) -> tuple[np.ndarray, np.ndarray]:
        """Row positions (and scores) of index keys; keys the store no longer holds are dropped."""
        keys_arr = np.asarray(keys, dtype=np.uint64)
        if not len(self.key_sorted):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        at = np.minimum(np.searchsorted(self.key_sorted, keys_arr), len(self.key_sorted) - 1)
        known = self.key_sorted[at] == keys_arr
        return self.key_position[at[known]], np.asarray(scores, dtype=np.float64)[known]

    # ------------------------------------------------------------ filters

    def conditions(self, f: NoticeFilters, rows: np.ndarray) -> dict[str, np.ndarray]:
        """One boolean array over `rows` per active filter, named by the facet it belongs to."""
        conds: dict[str, np.ndarray] = {}
        if f.relevant:
            conds["relevant"] = self.relevant[rows]
        if f.date_from:
            first = (date.fromisoformat(day(f.date_from, end=False)) - _EPOCH).days
            conds["date_from"] = (self.day[rows] >= first) & ~self.day_null[rows]
        if f.date_to:
            last = (date.fromisoformat(day(f.date_to, end=True)) - _EPOCH).days
            conds["date_to"] = (self.day[rows] <= last) & ~self.day_null[rows]
        for name, value in (("buyer", f.buyer), ("city", f.city)):
            if value:
                conds[name] = self.coded[name].matches(self.coded[name].codes[rows], [value])
        if f.year:
            conds["year"] = np.isin(self.year[rows], [int(y) for y in f.year]) & (self.year[rows] != 0)
        for name in ("country", "province", "notice_type", "language"):
            values = getattr(f, name)
            if values:
                conds[name] = self.coded[name].matches(self.coded[name].codes[rows], values)
        for name in MULTI_FACETS:
            values = getattr(f, name)
            if values:
                conds[name] = self.pairs[name].rows_with_any(self.n, values)[rows]
        types = [self.buyer_types.index(t) for t in f.buyer_type if t in self.buyer_types]
        if types:
            by_name = self.buyer_type_matrix[:, types].any(axis=1)
            codes = self.coded["buyer"].codes[rows]
            conds["buyer_type"] = (
                np.where(codes >= 0, by_name[np.maximum(codes, 0)], False)
                if len(by_name)
                else np.zeros(len(rows), dtype=bool)
            )
        return conds

    @staticmethod
    def combined(conds: dict[str, np.ndarray], n: int, skip: str | None = None) -> np.ndarray:
        mask = np.ones(n, dtype=bool)
        for name, cond in conds.items():
            if name != skip:
                mask &= cond
        return mask

    # ------------------------------------------------------------ facets

    def facets(
        self, rows: np.ndarray, conds: dict[str, np.ndarray], limit: int
    ) -> dict[str, list[tuple[str, int]]]:
        out: dict[str, list[tuple[str, int]]] = {}
        for name in VALUE_FACETS:
            picked = rows[self.combined(conds, len(rows), skip=name)]
            if name == "year":
                years = self.year[picked]
                years = years[years != 0]
                uniq, counts = np.unique(years, return_counts=True)
                pairs = [(str(int(y)), int(c)) for y, c in zip(uniq, counts, strict=True)]
            else:
                coded = self.coded[name]
                codes = coded.codes[picked]
                counts = np.bincount(codes[codes >= 0], minlength=len(coded.values))
                pairs = [(coded.values[i], int(counts[i])) for i in np.flatnonzero(counts)]
            out[name] = top_values(pairs, limit)
        for name in MULTI_FACETS:
            chosen = np.zeros(self.n, dtype=bool)
            chosen[rows[self.combined(conds, len(rows), skip=name)]] = True
            p = self.pairs[name]
            counts = np.bincount(p.codes[chosen[p.positions]], minlength=len(p.values))
            out[name] = top_values([(p.values[i], int(counts[i])) for i in np.flatnonzero(counts)], limit)
        out["buyer_type"] = self._buyer_type_facet(rows[self.combined(conds, len(rows), skip="buyer_type")])
        return out

    def _buyer_type_facet(self, picked: np.ndarray) -> list[tuple[str, int]]:
        if not self.buyer_types:
            return []
        codes = self.coded["buyer"].codes[picked]
        per_name = np.bincount(codes[codes >= 0], minlength=len(self.coded["buyer"].values))
        counts = per_name @ self.buyer_type_matrix.astype(np.int64) if len(per_name) else []
        found = [(t, int(n)) for t, n in zip(self.buyer_types, counts, strict=False) if n]
        return sorted(found, key=lambda x: -x[1])

    # ------------------------------------------------------------ order

    def order(self, rows: np.ndarray, scores: np.ndarray | None, sort: str) -> np.ndarray:
        """`rows` sorted as query/notices.SORT_SQL sorts them (ties by id = by position)."""
        null_day = self.day_null[rows]
        if sort == "amount":
            amount = self.amount[rows]
            keys: list[np.ndarray] = [rows, np.where(np.isnan(amount), np.inf, -amount)]
        elif sort == "date_asc":
            keys = [rows, np.where(null_day, _NO_DAY, self.day[rows])]
        else:
            keys = [rows, np.where(null_day, _NO_DAY, -self.day[rows])]
            if sort == "relevance" and scores is not None:
                keys.append(-scores)
        return rows[np.lexsort(keys)]

    def ids_at(self, positions: np.ndarray) -> list[str]:
        return self.ids.take(pa.array(positions, pa.int64())).to_pylist()
