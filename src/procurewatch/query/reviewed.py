"""How many of a figure's procurements a person has reviewed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import duckdb

from procurewatch.query.counts import totals
from procurewatch.query.filters import Filters


def totals_with_reviewed(con: duckdb.DuckDBPyConnection, f: Filters) -> list[dict[str, Any]]:
    """`query.counts.totals` with a `reviewed` column: how many of each row's procurements a reviewer
    confirmed. Over surveillance figures (the default) that is every reviewed procurement in the row, as
    a rejected one is not in it; with `relevant_only=False` rejected ones are in the row but not counted
    in `reviewed`."""
    confirmed = {r["spend_currency"]: r["procurements"] for r in totals(con, replace(f, reviewed=True))}
    return [{**row, "reviewed": confirmed.get(row["spend_currency"], 0)} for row in totals(con, f)]
