"""Scraped record (a dict from JSON/JSONL/CSV) → Document, with field names recognised from data/fields.json.

Nested objects are flattened into dotted paths (`parsed_data.招标人`); a field is matched by its own key or
by its whole path, after normalising both sides (case, full-width forms, bracketed units, separators).
Values inside lists of objects (bidder tables and the like) go into the body but never into hints: a
bidder is not a winner.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from lxml import etree

from procurewatch.model import Document
from procurewatch.sources.html import fragment, looks_like_markup
from procurewatch.sources.ocds_data import country_from_name

HINT_FIELDS = (
    "title",
    "body",
    "buyer",
    "supplier",
    "published",
    "project_code",
    "url",
    "region",
    "notice_type",
    "country",
)
_BRACKETS = re.compile(r"[(\[（【]([^)\]）】]*)[)\]）】]")
_SEPARATORS = re.compile(r"[\s_\-.·:：/]+")
_HAS_DIGIT = re.compile(r"[0-9０-９零〇壹贰叁肆伍陆柒捌玖拾佰仟万亿]")
_BARE_NUMBER = re.compile(r"^[+-]?[0-9][0-9,，]*(\.[0-9]+)?$")
_WHITESPACE = re.compile(r"\s+")
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")  # eng, deu, fr: keys of multilingual values
_KEY_TOKENS = re.compile(r"[\s_\-.·:：/]+")
_LIST_INDEX = re.compile(r"(?:^|[./])\d+(?=[./]|$)")  # also flattened CSV headers: awards/0/value/amount
_NESTED = (dict, list)  # a tuple, made once: isinstance takes it faster than `dict | list`
KEY_USE = "key_use"  # hint: which field each source key fed (read by procurewatch.inspection)


@dataclass(frozen=True, slots=True)
class FieldData:
    synonyms: dict[str, dict[str, int]]  # canonical field -> normalised synonym -> rank
    lookup: dict[str, tuple[tuple[str, int], ...]]  # normalised synonym -> ((canonical field, rank), ...)
    amount_kinds: dict[str, tuple[str | None, int]]  # normalised name -> (kind, rank)
    amount_units: frozenset[str]
    not_amount_units: tuple[str, ...]
    omit_from_body: frozenset[str]
    not_stated: frozenset[str]
    longest_not_stated: int  # a longer value is never one of them
    supplier_separators: re.Pattern[str]
    consortium_words: tuple[str, ...]
    organisation_suffixes: tuple[str, ...]
    pdf_title_labels: tuple[str, ...]
    pdf_stop_lines: frozenset[str]
    pdf_complete_endings: tuple[str, ...]
    currency_affixes: dict[str, str]  # word a key may start, end or be split by (lot_value_eur) -> ISO code
    path_synonyms: frozenset[str]  # normalised dotted synonyms, matched on a leaf's whole path
    type_keys: dict[str, str]  # normalised key whose presence names the notice type
    url_countries: tuple[tuple[str, str], ...]  # host suffix -> ISO country, longest suffix first
    fragment_title_skip: tuple[tuple[str, ...], tuple[str, ...]]  # (line endings, words) of site furniture
    currency_symbols: dict[str, str]
    country_aliases: dict[str, str]
    hard_separators: re.Pattern[str]  # always split a supplier value (TED's '---'), whatever the names


@lru_cache(maxsize=65536)
def normalise_key(key: str) -> str:
    """Comparable form of a field name: 'Project_Name' == 'projectname', '中标价（元）' == '中标价'."""
    text = unicodedata.normalize("NFKC", key).lower()
    text = _BRACKETS.sub("", text)
    return _SEPARATORS.sub("", text)


@lru_cache(maxsize=65536)
def key_unit(key: str) -> str:
    """The bracketed qualifier of a field name, e.g. '元' for '中标价(元)', '' when there is none."""
    match = _BRACKETS.search(unicodedata.normalize("NFKC", key))
    return match.group(1).strip().lower() if match else ""


@cache
def field_data() -> FieldData:
    raw = json.loads(resources.files("procurewatch.data").joinpath("fields.json").read_text("utf-8"))
    synonyms = {
        name: {normalise_key(s): rank for rank, s in reversed(list(enumerate(words)))}
        for name, words in raw["fields"].items()
    }
    lookup: dict[str, tuple[tuple[str, int], ...]] = {}
    for name, words in synonyms.items():
        for word, rank in words.items():
            lookup[word] = (*lookup.get(word, ()), (name, rank))
    amount_kinds: dict[str, tuple[str | None, int]] = {}
    rank = 0
    for kind, words in raw["amounts"].items():
        for word in words:
            amount_kinds.setdefault(normalise_key(word), (kind or None, rank))
            rank += 1
    separators = "|".join(re.escape(s) for s in raw["supplier_list_separators"])
    return FieldData(
        synonyms=synonyms,
        lookup=lookup,
        amount_kinds=amount_kinds,
        amount_units=frozenset(u.lower() for u in raw["amount_units"]),
        not_amount_units=tuple(raw["not_amount_units"]),
        omit_from_body=frozenset(normalise_key(k) for k in raw["omit_from_body"]),
        not_stated=frozenset(v.lower() for v in raw["not_stated_values"]),
        longest_not_stated=max(len(v.lower()) for v in raw["not_stated_values"]),
        supplier_separators=re.compile(separators),
        consortium_words=tuple(sorted(raw["consortium_words"], key=len, reverse=True)),
        organisation_suffixes=tuple(raw["organisation_suffixes"]),
        pdf_title_labels=tuple(raw["pdf_cover"]["title_labels"]),
        pdf_stop_lines=frozenset(raw["pdf_cover"]["stop_lines"]),
        pdf_complete_endings=tuple(raw["pdf_cover"]["complete_endings"]),
        currency_affixes={k.lower(): v for k, v in raw["amount_currency_affixes"].items()},
        type_keys={normalise_key(k): v for k, v in raw["notice_type_from_key"].items()},
        fragment_title_skip=(
            tuple(raw["fragment_title_skip"]["endings"]),
            tuple(raw["fragment_title_skip"]["words"]),
        ),
        url_countries=tuple(
            sorted(
                ((k.lower(), v) for k, v in raw["url_countries"].items() if not k.startswith("_")),
                key=lambda kv: -len(kv[0]),
            )
        ),
        path_synonyms=frozenset(
            normalise_key(w)
            for words in (*raw["fields"].values(), *raw["amounts"].values())
            for w in words
            if "." in w
        ),
        currency_symbols=dict(raw["currency_symbols"]),
        country_aliases={k.upper(): v for k, v in raw["country_aliases"].items()},
        hard_separators=re.compile("|".join(re.escape(s) for s in raw["supplier_list_hard_separators"])),
    )


_LINKS = ("http://", "https://", "/")
_WEB = ("http://", "https://")
_URL, _REGION, _COUNTRY = 1, 2, 3  # the fields whose candidates are judged by their value too
_VALUE_CHECKS = {"url": _URL, "region": _REGION, "country": _COUNTRY}


class Slot:
    """A place in a record's shape: its dotted path, its own key and whether it sits in a list of objects,
    with everything field matching asks of a leaf there that does not depend on the value. Records of one
    source share a shape, so this is worked out once per place, not once per record."""

    __slots__ = (
        "amount", "amount_currency", "checks", "children", "depath", "depth", "in_body", "in_table", "items",
        "key", "label", "matches", "names_type", "notable", "path", "scored", "sibling_currency",
        "type_from_key", "unit", "unit_is_amount",
    )  # fmt: skip

    def __init__(self, path: str, key: str, in_table: bool, data: FieldData) -> None:
        self.path, self.key, self.in_table = path, key, in_table
        self.children: dict[str, Slot] = {}  # by the key of a member, when this holds an object
        self.items: dict[tuple[int, bool], Slot] = {}  # by (index, in a list of objects), when a list
        self.depath = _depath(path)
        self.depth = path.count(".")
        self.label = f"{key}: "
        norm = normalise_key(key)
        self.in_body = norm not in data.omit_from_body
        matches = _path_matches(path, data)
        if not in_table:  # inside a list of objects only a whole-path synonym counts (awards.suppliers.name)
            matches = (
                matches
                or data.lookup.get(normalise_key(path))
                or data.lookup.get(norm)
                or _language_keyed(path, key, data)
            )
        self.matches = matches or None
        # (field, rank, score when the value passes, which check the value takes) for each match
        self.scored = tuple(
            (name, rank, (rank, self.depth), _VALUE_CHECKS.get(name, 0)) for name, rank in matches or ()
        )
        self.checks = tuple(check for *_, check in self.scored if check)
        self.amount: tuple[str | None, int] | None = None  # (kind, rank) of a money field
        self.amount_currency: str | None = None  # the currency its name carries (lot_value_eur)
        self.sibling_currency: str | None = None  # the path of a currency beside it (value.currency)
        self.unit = key_unit(key)
        self.unit_is_amount = self.unit in data.amount_units
        if (by_shape := data.amount_kinds.get(normalise_key(self.depath))) and ("." in path or "/" in path):
            self.amount = by_shape  # a whole-path money field (awards.value.amount), inside lists too
            self.sibling_currency = f"{path.rsplit('.', 1)[0]}.currency"
        elif not in_table:
            self.amount, self.amount_currency = _amount_key(key, data)
            if self.amount and self.unit and any(u in self.unit for u in data.not_amount_units):
                self.amount = None
        self.names_type = not in_table and norm in data.synonyms["notice_type"]
        self.type_from_key = data.type_keys.get(norm)  # an export whose id column names its form
        self.notable = bool(self.matches or self.amount or self.names_type) or self.type_from_key is not None


class Plan:
    """What a record whose leaves sit in these slots, in this order, asks of each leaf whatever the values:
    which leaves may feed a field, an amount or the notice type, which go into the body under which label,
    and the key-use table before the values choose. Records of one source repeat a few such orders (a
    crawler's records share their keys), so this is worked out once per order, not once per record."""

    __slots__ = (
        "_bodies", "_choices", "_in_body", "_slots", "amounting", "key_use", "matching", "type_from_key",
        "typed", "typing",
    )  # fmt: skip
    MAX_CHOICES = 64  # kept per plan; records whose values say ever new things are chosen for afresh

    def __init__(self, slots: tuple[Slot, ...]) -> None:
        self._slots = slots
        self._choices: dict[tuple[int, ...], dict[str, int]] = {}
        self.matching = tuple(i for i, slot in enumerate(slots) if slot.matches)
        self.amounting = tuple(i for i, slot in enumerate(slots) if slot.amount is not None)
        self.typing = tuple(i for i, slot in enumerate(slots) if slot.names_type)
        self.type_from_key = next((s.type_from_key for s in slots if s.type_from_key is not None), None)
        self.typed = frozenset(slots[i].depath for i in self.typing)
        use = dict.fromkeys([slot.depath for slot in slots], "")
        for depath in self.typed:  # a key naming the notice type says so, whatever else it fed
            use[depath] = "notice_type"
        self.key_use = use
        self._in_body = tuple((i, slot.label) for i, slot in enumerate(slots) if slot.in_body)
        self._bodies: dict[int, tuple[tuple[int, str], ...]] = {}

    def choice(self, said: tuple[int, ...]) -> dict[str, int]:
        """The leaf chosen for each field (a new dict) given what the values said (see _match_fields)."""
        found = self._choices.get(said)
        if found is None:
            found = _choose(self, self._slots, said)
            if len(self._choices) < self.MAX_CHOICES:
                self._choices[said] = found
        return found.copy()

    def body(self, title_at: int) -> tuple[tuple[int, str], ...]:
        """The leaves that go into the body (index, label) when leaf `title_at` is the title."""
        found = self._bodies.get(title_at)
        if found is None:
            found = self._bodies[title_at] = tuple(pair for pair in self._in_body if pair[0] != title_at)
        return found


class _Shapes:
    """The slots met so far, as a tree from the records' root, and the plans of the orders of leaves met;
    dropped whole past MAX_SLOTS slots (or MAX_PLAN_LEAVES leaves in plans), so that records with ever new
    keys or orders cannot grow them without bound."""

    MAX_SLOTS = 100_000
    MAX_PLAN_LEAVES = 100_000

    def __init__(self) -> None:
        self._root: Slot | None = None
        self._count = 0
        self._plans: dict[tuple[Slot, ...], Plan] = {}
        self._plan_leaves = 0

    def root(self) -> Slot:
        if self._root is None or self._count > self.MAX_SLOTS:
            self._root, self._count = Slot("", "", False, field_data()), 0
            self._plans, self._plan_leaves = {}, 0
        return self._root

    def plan(self, slots: list[Slot]) -> Plan:
        order = tuple(slots)
        found = self._plans.get(order)
        if found is None:
            if self._plan_leaves + len(order) > self.MAX_PLAN_LEAVES:
                self._plans, self._plan_leaves = {}, 0
            found = self._plans[order] = Plan(order)
            self._plan_leaves += len(order) + 1
        return found

    def member(self, parent: Slot, key: Any) -> Slot:
        name = key if type(key) is str else str(key)
        slot = Slot(f"{parent.path}.{name}" if parent.path else name, name, parent.in_table, field_data())
        if name is key:  # 1 and True are one dict key but two names
            self._count += 1
            parent.children[name] = slot
        return slot

    def item(self, parent: Slot, index: int, table: bool) -> Slot:
        path = f"{parent.path}.{index}" if parent.path else str(index)
        slot = Slot(path, parent.key, table, field_data())
        self._count += 1
        parent.items[index, table] = slot
        return slot


_SHAPES = _Shapes()


def _flatten_into(
    value: dict[Any, Any] | list[Any], slot: Slot, values: list[str], slots: list[Slot]
) -> None:
    """Every scalar under `value` (stripped, not empty) onto `values`, and its slot onto `slots`."""
    # the two loops are alike, each handling a plain string value itself: most values are one
    if isinstance(value, dict):
        children = slot.children
        for k, v in value.items():
            child = children.get(k) or _SHAPES.member(slot, k)
            if type(v) is str:
                if text := v.strip():
                    values.append(text)
                    slots.append(child)
            elif isinstance(v, _NESTED):
                _flatten_into(v, child, values, slots)
            elif v is not None and not isinstance(v, bool) and (text := str(v).strip()):
                values.append(text)
                slots.append(child)
        return
    table = slot.in_table  # a list of objects (or of lists) is a table
    if not table:
        for v in value:  # a loop, not any() over a generator: most lists are short
            if isinstance(v, _NESTED):
                table = True
                break
    items = slot.items
    for i, v in enumerate(value):
        child = items.get((i, table)) or _SHAPES.item(slot, i, table)
        if type(v) is str:
            if text := v.strip():
                values.append(text)
                slots.append(child)
        elif isinstance(v, _NESTED):
            _flatten_into(v, child, values, slots)
        elif v is not None and not isinstance(v, bool) and (text := str(v).strip()):
            values.append(text)
            slots.append(child)


def record_to_document(
    record: Any,
    *,
    path: str,
    locator: str,
    source_key: str,
    field_map: dict[str, str] | None = None,
) -> Document:
    """One scraped record as a Document: title, readable body of every textual field, and hints."""
    data = field_data()
    if not isinstance(record, dict):
        record = {"value": record}
    field_map = canonical_field_map(field_map) if field_map else {}
    values: list[str] = []  # the leaves: value i sits in slots[i]
    slots: list[Slot] = []
    _flatten_into(record, _SHAPES.root(), values, slots)
    plan = _SHAPES.plan(slots)
    chosen = _match_fields(values, slots, plan, data, field_map)

    title_at = chosen.get("title", -1)
    title = _one_line(values[title_at]) if title_at >= 0 else ""
    tables: list[list[list[str]]] = []
    body = _body_text(values, plan, title_at, tables)
    hints: dict[str, Any] = {}
    if tables:
        hints["tables"] = tables

    if (at := chosen.get("buyer")) is not None:
        hints["buyer"] = _one_line(values[at])
    suppliers = _suppliers(chosen.get("supplier"), values, slots, data)
    if suppliers:
        hints["suppliers"] = suppliers
    currency_at = chosen.get("currency")
    record_currency = _record_currency(values[currency_at]) if currency_at is not None else None
    amounts = _amounts(values, slots, plan, data, field_map, record_currency)
    if amounts:
        hints["amounts"] = amounts
    country_at, url_at = chosen.get("country"), chosen.get("url")
    url = values[url_at] if url_at is not None else None
    code = (country_code(values[country_at], data) if country_at is not None else None) or (
        _url_country(url, data) if url is not None else None
    )
    if code:
        hints["country"] = code
    code_at, text_at = chosen.get("classification"), chosen.get("classification_text")
    items = (
        _items(values[code_at], values[text_at] if text_at is not None else None)
        if code_at is not None
        else []
    )
    if items:
        hints["items"] = items
    for name in ("published", "project_code", "region"):
        if (at := chosen.get(name)) is not None:
            hints[name] = _one_line(values[at])
    notice_types = _notice_types(values, slots, plan, field_map.get("notice_type"))
    if not notice_types and plan.type_from_key is not None:  # an export whose id column names its form
        notice_types = [plan.type_from_key]  # (TED's ID_NOTICE_CAN)
    if notice_types:
        hints["notice_type"] = notice_types[0] if len(notice_types) == 1 else notice_types
    hints[KEY_USE] = _key_use(slots, plan, chosen, amounts)
    return Document(
        path=path,
        locator=locator,
        kind="record",
        title=title,
        body=body,
        url=url,
        hints=hints,
        source_key=source_key,
    )


def _language_keyed(path: str, key: str, data: FieldData) -> tuple[tuple[str, int], ...] | None:
    """A value under a language code ({"buyer-name": {"deu": ["Stadt X"]}}) is its parent field's."""
    if not _LANGUAGE_CODE.match(key):
        return None
    parts = [p for p in path.split(".") if not p.isdigit()]
    if len(parts) >= 2 and _LANGUAGE_CODE.match(parts[-1]):
        return data.lookup.get(normalise_key(parts[-2]))
    return None


def _path_matches(path: str, data: FieldData) -> tuple[tuple[str, int], ...] | None:
    """Matches of a leaf's whole path, list indices dropped, against dotted synonyms (tender.title)."""
    if "." not in path and "/" not in path:
        return None
    key = normalise_key(_depath(path))
    return data.lookup.get(key) if key in data.path_synonyms else None


@lru_cache(maxsize=65536)
def _depath(path: str) -> str:
    """A leaf's path without list indices: awards.0.value.amount → awards.value.amount."""
    return _LIST_INDEX.sub("", path)


def _by_path(slots: list[Slot]) -> dict[str, int]:
    return {slot.path: i for i, slot in enumerate(slots)}


def _key_use(
    slots: list[Slot], plan: Plan, chosen: dict[str, int], amounts: list[dict[str, Any]]
) -> dict[str, str]:
    """Each source key (dotted path; list members under one path) → the field it fed, '' for unused."""
    use = plan.key_use.copy()  # every key once, in document order, those naming the notice type said so
    typed = plan.typed
    for name, at in chosen.items():
        if (depath := slots[at].depath) not in typed:
            use[depath] = name
    for amount in amounts:
        if (depath := _depath(amount["field"])) not in typed:
            use[depath] = f"amount ({amount['kind'] or 'kind from the notice'})"
    return use


def _match_fields(
    values: list[str], slots: list[Slot], plan: Plan, data: FieldData, field_map: dict[str, str]
) -> dict[str, int]:
    """The best leaf (its index) for each hint field: lowest synonym rank, then shallowest, then first.
    What the values say is read first (which leaves are stated, which pass their field's check); the
    choice that follows from it is the plan's once made."""
    not_stated, longest = data.not_stated, data.longest_not_stated
    said: list[int] = []  # per leaf that may feed a field: 0 when not stated, else 1 + a bit per check passed
    for at in plan.matching:
        value = values[at]
        if len(value) <= longest and value.lower() in not_stated:  # lower() never makes a text shorter
            said.append(0)
            continue
        checks = slots[at].checks
        if not checks:
            said.append(1)
            continue
        code, bit = 1, 2
        for check in checks:
            if _passes(check, value, data):
                code |= bit
            bit <<= 1
        said.append(code)
    chosen = plan.choice(tuple(said))
    if field_map and any(field_map.get(name) for name in HINT_FIELDS):
        by_path = _by_path(slots)
        for name in HINT_FIELDS:
            if mapped := field_map.get(name):
                found = by_path.get(mapped)
                if found is None:
                    found = _first_under(slots, mapped)
                if found is not None:
                    chosen[name] = found
                else:
                    chosen.pop(name, None)
    return chosen


def _passes(check: int, value: str, data: FieldData) -> bool:
    """Whether a value may feed the url (an absolute link ranks first), region or country field."""
    if check == _URL:
        return value.startswith(_WEB)
    if check == _REGION:
        return len(value) <= 40
    return country_code(value, data) is not None


def _choose(plan: Plan, slots: tuple[Slot, ...], said: tuple[int, ...]) -> dict[str, int]:
    """The leaf chosen for each field given what the values said (see _match_fields)."""
    chosen: dict[str, int] = {}
    best: dict[str, tuple[int, int]] = {}
    for at, code in zip(plan.matching, said, strict=True):  # in document order: the first of equals stays
        if not code:
            continue
        bit = 2
        for name, rank, score, check in slots[at].scored:
            if check:
                passed = code & bit
                bit <<= 1
                if check == _URL:
                    if not passed:
                        score = (rank + 1000, score[1])  # a relative link is a last resort
                elif not passed:
                    continue
            if name not in best or score < best[name]:
                best[name] = score
                chosen[name] = at
    return chosen


def canonical_field_map(field_map: dict[str, str]) -> dict[str, str]:
    """--field names as canonical hint names: 'date', '发布日期' → 'published'; 'suppliers' → 'supplier'.

    Amount names stay as given ('amount', 'amount.budget', 'budget' → 'amount.budget').
    """
    data = field_data()
    out: dict[str, str] = {}
    for name, path in field_map.items():
        key = normalise_key(name)
        lowered = name.strip().lower()
        if lowered in ("amount", "amounts") or lowered.startswith(("amount.", "amounts.")):
            out[name] = path
        elif name in ("budget", "award", "contract"):
            out[f"amount.{name}"] = path
        elif name in HINT_FIELDS:
            out[name] = path
        elif key in ("suppliers", "winner", "date", "code", "projectcode", "type", "noticetype"):
            out[_ALIASES[key]] = path
        elif data.lookup.get(key):
            out[min(data.lookup[key], key=lambda match: match[1])[0]] = path
        else:
            out[name] = path
    return out


_ALIASES = {
    "suppliers": "supplier",
    "winner": "supplier",
    "date": "published",
    "code": "project_code",
    "projectcode": "project_code",
    "type": "notice_type",
    "noticetype": "notice_type",
}


def _first_under(slots: list[Slot], prefix: str) -> int | None:
    """The first scalar at or below a dotted path, so `--field buyer=data.buyer` works for nested values."""
    for at, slot in enumerate(slots):
        if slot.path == prefix or slot.path.startswith(prefix + "."):
            return at
    return None


def country_code(value: str, data: FieldData | None = None) -> str | None:
    """ISO 3166-1 alpha-2 for a country value as exports write it ('RO', 'UK', 'EL', 'Romania'), else None."""
    data = data or field_data()
    text = value.strip()
    code = data.country_aliases.get(text.upper(), text)
    if _COUNTRY_CODE.match(code):
        return code  # a two-letter code in a country field is ISO 3166 alpha-2 (after EU aliases)
    return country_from_name(code)


def _url_country(url: str, data: FieldData) -> str | None:
    """The country of the portal a notice URL points to (gencat.cat → ES), else None."""
    if not url.startswith(_WEB):
        return None
    start = 8 if url[4] == "s" else 7  # past the scheme's "//"
    end = url.find("/", start)
    return _authority_country(url[start:end] if end >= 0 else url[start:])


@lru_cache(maxsize=4096)
def _authority_country(authority: str) -> str | None:
    """The country of a URL's authority (user@host:port)."""
    return _host_country(authority.rsplit("@", 1)[-1].split(":", 1)[0])


@lru_cache(maxsize=4096)
def _host_country(host: str) -> str | None:
    host = host.lower()
    for suffix, code in field_data().url_countries:
        if host == suffix.lstrip(".") or host.endswith(suffix if suffix.startswith(".") else "." + suffix):
            return code
    return None


def _record_currency(value: str | None) -> str | None:
    """A record-wide currency field ('CurrencyCode': 'EUR'), when it holds a 3-letter code."""
    if value is None:
        return None
    value = value.strip().upper()
    return value if _CURRENCY_CODE.match(value) else None


def _amount_key(key: str, data: FieldData) -> tuple[tuple[str | None, int] | None, str | None]:
    return _amount_key_cached(key) if data is field_data() else _amount_key_uncached(key, data)


@lru_cache(maxsize=65536)
def _amount_key_cached(key: str) -> tuple[tuple[str | None, int] | None, str | None]:
    return _amount_key_uncached(key, field_data())


def _amount_key_uncached(key: str, data: FieldData) -> tuple[tuple[str | None, int] | None, str | None]:
    """The (kind, rank) a money field's name gives, and the currency its name carries (lot_value_eur)."""
    norm = normalise_key(key)
    tokens = _KEY_TOKENS.split(unicodedata.normalize("NFKC", key).lower())
    for word, code in data.currency_affixes.items():
        suffix = norm[: -len(word)] if norm.endswith(word) else ""
        prefix = norm[len(word) :] if norm.startswith(word) else ""
        for rest in (suffix, prefix):
            if rest and (found := data.amount_kinds.get(norm) or data.amount_kinds.get(rest)) is not None:
                return found, code
        if word in tokens and (found := data.amount_kinds.get(norm)) is not None:
            return found, code  # AWARD_VALUE_EURO_FIN_1
    return data.amount_kinds.get(norm), None


def _value_currency(value: str, data: FieldData) -> str | None:
    """The currency a money value names by its symbol or code ('30.008,00 €'), else None."""
    for symbol, code in data.currency_symbols.items():
        if symbol in value:
            return code
    return None


def _items(code: str, description: str | None) -> list[dict[str, Any]]:
    """A record's classification code (CPV '77211100', '50312000-2') as an OCDS-like item."""
    digits = re.sub(r"[^0-9]", "", code.split("-")[0])
    if len(digits) != 8:  # CPV codes are eight digits (plus a check digit after '-')
        return []
    return [{"description": description, "scheme": "CPV", "id": digits}]


def _is_not_stated(value: str, data: FieldData) -> bool:
    return len(value) <= data.longest_not_stated and value.strip().lower() in data.not_stated


def _one_line(text: str) -> str:
    return " ".join(text.split())  # str.split splits on what the regex \s matches


def _body_text(values: list[str], plan: Plan, title_at: int, tables: list[list[list[str]]]) -> str:
    """Every textual field as 'key: value' lines; a value that is HTML is read as a page (its text, and
    its tables into `tables`), so that markup is never searched as text."""
    pairs = plan.body(title_at)
    lines = []
    for at, label in pairs:
        value = values[at]
        if value.startswith(_LINKS) and " " not in value:
            continue  # links are kept as the notice url, not as text to search
        lines.append(label + value)
    text = "\n".join(lines)
    if "</" not in text and "\r" not in text:
        return text  # the common case: no value is markup or holds a carriage return
    lines = []
    for at, label in pairs:
        value = values[at]
        if value.startswith(_LINKS) and " " not in value:
            continue
        if "</" in value and looks_like_markup(value):
            try:
                value, found = fragment(value)
            except (ValueError, etree.ParserError):
                found = []
            tables.extend(found)
            if not value.strip():
                continue
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        lines.append(label + value)  # a leaf's value is stripped and not empty
    return "\n".join(lines)


def _suppliers(at: int | None, values: list[str], slots: list[Slot], data: FieldData) -> list[str]:
    if at is None:
        return []
    value, slot = values[at], slots[at]
    if slot.path.rsplit(".", 1)[-1].isdigit():  # a list of supplier names: take every member
        parent = slot.path.rsplit(".", 1)[0]
        members = [
            v
            for v, s in zip(values, slots, strict=True)
            if s.path.rsplit(".", 1)[0] == parent and not s.in_table
        ]
        return [n for v in members for n in split_consortium(v, data)]
    if slot.in_table:  # awards.0.suppliers.1.name: every award's every supplier
        names: list[str] = []
        for v, s in zip(values, slots, strict=True):
            if s.depath == slot.depath and not _is_not_stated(v, data):
                names.extend(n for n in split_consortium(v, data) if n not in names)
        return names
    return split_consortium(value, data)


_KEPT_NAME_CHARS = 200  # names up to this long are split once each and kept (winners recur across notices)


def split_consortium(value: str, data: FieldData | None = None) -> list[str]:
    """'A公司、B公司联合体' → ['A公司', 'B公司']; a single name (even with 、 inside) stays whole."""
    if len(value) <= _KEPT_NAME_CHARS and (data is None or data is field_data()):
        return list(_split_kept(value))
    return _split_consortium(value, data or field_data())


@lru_cache(maxsize=16384)
def _split_kept(value: str) -> tuple[str, ...]:
    return tuple(_split_consortium(value, field_data()))


def _split_consortium(value: str, data: FieldData) -> list[str]:
    text = _one_line(value)
    if data.hard_separators.search(text):
        return [p.strip() for p in data.hard_separators.split(text) if p.strip()]
    stripped = text
    for word in data.consortium_words:
        stripped = stripped.replace(word, " ")
    parts = [_trim_name(p) for p in data.supplier_separators.split(stripped)]
    parts = [p for p in parts if p]
    if len(parts) > 1 and all(p.endswith(data.organisation_suffixes) for p in parts):
        return parts
    if stripped != text and len(parts) == 1:
        return parts  # 'A公司(联合体)' → 'A公司'
    return [text] if text else []


_EMPTY_BRACKETS = re.compile(r"[(（]\s*[)）]")


def _trim_name(part: str) -> str:
    """Separators and the brackets a removed word left unmatched ('A公司(' of 'A公司(联合体)'), keeping a
    name's own bracketed alias (重庆市城市治理研究院（重庆市风景园林规划研究院）)."""
    part = _EMPTY_BRACKETS.sub("", part).strip(" :：,，")
    while (
        part and part[-1] in ")）" and part.count("(") + part.count("（") < part.count(")") + part.count("）")
    ):
        part = part[:-1].strip(" :：,，")
    while (
        part and part[0] in "(（" and part.count("(") + part.count("（") > part.count(")") + part.count("）")
    ):
        part = part[1:].strip(" :：,，")
    while part and part[-1] in "(（":
        part = part[:-1].strip(" :：,，")
    while part and part[0] in ")）":
        part = part[1:].strip(" :：,，")
    return part


def _amounts(
    values: list[str],
    slots: list[Slot],
    plan: Plan,
    data: FieldData,
    field_map: dict[str, str],
    record_currency: str | None = None,
) -> list[dict[str, Any]]:
    found: list[tuple[int, dict[str, Any]]] = []
    if not plan.amounting and not field_map:
        return []
    mapped = (
        {path: name for name, path in field_map.items() if name.startswith("amount")} if field_map else {}
    )
    by_path: dict[str, int] | None = None
    for at in range(len(values)) if mapped else plan.amounting:
        value, slot = values[at], slots[at]
        key_currency = None
        if slot.path in mapped:
            name = mapped[slot.path]
            kind = name.split(".", 1)[1] if "." in name else None
            kind_rank: tuple[str | None, int] | None = (
                kind if kind in ("budget", "award", "contract") else None,
                -1,
            )
        else:
            kind_rank = slot.amount
            if kind_rank is None:
                continue
            if slot.sibling_currency:  # value.amount → value.currency (OCDS-like money objects)
                by_path = _by_path(slots) if by_path is None else by_path
                currency_at = by_path.get(slot.sibling_currency)
                key_currency = _record_currency(values[currency_at] if currency_at is not None else None)
            else:
                key_currency = slot.amount_currency
        if not _HAS_DIGIT.search(value) or _is_not_stated(value, data):
            continue
        if slot.unit_is_amount and _BARE_NUMBER.match(value):
            value = f"{value}{slot.unit}"
        kind, rank = kind_rank
        currency = key_currency or _value_currency(value, data) or record_currency
        amount = {"value": value, "currency": currency, "kind": kind, "field": slot.path}
        if slot.in_table:
            amount["lot"] = slot.path.rsplit(".", 1)[0]  # one award or lot of several: they are summed
        found.append((rank, amount))
    found.sort(key=lambda item: item[0])  # a stable sort: leaves of one rank stay in document order
    return [amount for _, amount in found]


def _notice_types(values: list[str], slots: list[Slot], plan: Plan, mapped: str | None) -> list[str]:
    if mapped:
        at = _by_path(slots).get(mapped)
        return [values[at]] if at is not None else []
    found: list[str] = []
    for at in plan.typing:
        value = values[at]
        if value.isdigit() or len(value) > 40:
            continue  # numeric codes such as noticeType "2" say nothing by themselves
        if value not in found:
            found.append(value)
    return found
