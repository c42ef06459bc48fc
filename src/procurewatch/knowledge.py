"""The one loader of the package's knowledge files under data/ (taxonomy, vendors, purchaser types,
gazetteer, exchange rates, linking settings), each read once.

Modules that need a whole file of their own (the detection lexicon, the OCDS maps) read it through
`load_json`/`read_text` here; the small look-ups the filter vocabulary validates against are below.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from importlib import resources
from typing import Any

NOTICE_TYPES = ("tender", "amendment", "award", "contract", "cancellation", "other")


def _node(*parts: str) -> Any:
    node = resources.files("procurewatch") / "data"
    for part in parts:
        node = node / part
    return node


@cache
def load_json(*parts: str) -> Any:
    """A JSON file under data/, parsed once: load_json("taxonomy", "categories.json")."""
    return json.loads(_node(*parts).read_text(encoding="utf-8"))


def read_text(*parts: str) -> str:
    return _node(*parts).read_text(encoding="utf-8")


@cache
def categories() -> dict[str, str]:
    """Taxonomy id → its definition, in the order of TAXONOMY.md."""
    return {k: v for k, v in load_json("taxonomy", "categories.json").items() if not k.startswith("_")}


@cache
def category_colours() -> dict[str, str]:
    """Category id → its colour (taxonomy/colours.json), and "(none)" for no category."""
    data = load_json("taxonomy", "colours.json")
    colours = data["colours"]
    out = {cid: colours[i % len(colours)] for i, cid in enumerate(categories())}
    out["(none)"] = data["none"]
    return out


@cache
def vendors() -> dict[str, dict[str, Any]]:
    """Vendor id → its entry in vendors.json (name, aliases, categories ...)."""
    return {v["id"]: v for v in load_json("vendors.json")["vendors"]}


@cache
def purchaser_types() -> dict[str, list[str]]:
    """Purchaser type id → buyer-name substrings (as written in purchasers.json)."""
    return {k: list(v) for k, v in load_json("purchasers.json").items() if not k.startswith("_")}


@cache
def provinces() -> list[tuple[str, str, str]]:
    """Chinese provinces as (6-digit code, full name, short name), from the gazetteer."""
    out = []
    for line in read_text("gazetteer", "cn_admin.tsv").splitlines():
        if line.startswith("#") or line.startswith("code\t"):
            continue
        code, name, level, short, *_ = line.split("\t")
        if level == "province":
            out.append((code, name, short))
    return out


@cache
def province_names_en() -> dict[str, list[str]]:
    """Province code → its English (pinyin) names, as journalists write them."""
    out: dict[str, list[str]] = {}
    for line in read_text("gazetteer", "province_names_en.tsv").splitlines():
        if line and not line.startswith("#"):
            code, name, *other = line.split("\t")
            out[code] = [name, *(n.strip() for n in ",".join(other).split(",") if n.strip())]
    return out


@cache
def countries() -> dict[str, list[str]]:
    """ISO 3166-1 alpha-2 code → names publishers write for it."""
    return dict(load_json("ocds", "countries.json")["countries"])


@cache
def fx_rows() -> list[tuple[int, str, float]]:
    """(year, currency, units per US dollar) from fx_rates.csv."""
    rows = csv.DictReader(read_text("fx_rates.csv").splitlines())
    return [(int(r["year"]), r["currency"].upper(), float(r["units_per_usd"])) for r in rows]


@cache
def currencies() -> list[str]:
    """Currencies with at least one exchange rate."""
    return sorted({currency for _, currency, _ in fx_rows()})
