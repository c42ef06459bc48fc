"""understand(doc) -> Notice: the fields of one notice, from its hints first, then its text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from procurewatch import knowledge
from procurewatch.model import (
    Amount,
    Candidate,
    Document,
    Notice,
    Party,
    Place,
    Surveillance,
    notice_id,
)
from procurewatch.parse.amounts import (
    FoundAmount,
    bid_after,
    budget_rank,
    find_amounts,
    kind_from_name,
    parse_money,
    with_lots,
)
from procurewatch.parse.candidates import candidates_from_text
from procurewatch.parse.codes import project_code
from procurewatch.parse.dates import parse_date, published_in_text
from procurewatch.parse.fingerprints import content_fingerprints
from procurewatch.parse.language import detect_language
from procurewatch.parse.notice_type import PHASES, candidate_publicity, notice_phase, phase_of
from procurewatch.parse.parties import (
    addressee,
    buyer_from_text,
    buyer_from_title,
    buyer_opening_title,
    clean_name,
    is_operator,
    names_operator,
    operator_in,
    split_consortium,
    suppliers_from_text,
)
from procurewatch.parse.places import find_place
from procurewatch.parse.tables import TableField, fields_from_tables, label_of, money_cell
from procurewatch.parse.widths import batch_forms, made_ahead

_KINDS = ("budget", "award", "contract")
_BODY_OPENING = 300
_SCOPE = 40_000  # labels (采购人, 预算金额 …) sit on the first pages of long tender documents
_SINGLE_SOURCE = "单一来源"
_OPENING_FOR_ADDRESSEE = 5000
_NAME_MAX = 60
_CHINA_UTC_OFFSET = 8  # a Chinese portal's Unix times are read as Beijing dates
_PLACEHOLDER_MARK = re.compile(r"&{2,}[^&\n]{0,30}&{2,}")  # a template's stamp slot (&&&招标人盖章位置&&&)
_SENTENCE = re.compile(r"[，。；;！？]")
_DIGITS_ONLY = re.compile(r"^[\d\s.,*]+$")
_PLACEHOLDER = Decimal(str(knowledge.load_json("parse", "labels.json")["placeholder_amount_at_most"]))


def understand(doc: Document) -> Notice:
    return _one(understand_many([doc]))


def understand_many(docs: Sequence[Document]) -> list[Notice | Exception]:
    """understand(doc) of each document, or the exception it raised (a hostile document must not stop the
    others). Each step runs for every document before the next step starts: a step's patterns and
    automata stay in the processor's caches for the whole batch instead of taking turns with every
    other step's at each notice."""
    return _understood([_Reading(doc, None) for doc in docs])


def explain(doc: Document) -> tuple[Notice, dict[str, list[str]]]:
    """The Notice, and for each field where its value came from (a source key, a table cell or a
    text span), for `procurewatch inspect`."""
    trace: dict[str, list[str]] = {}
    return _one(_understood([_Reading(doc, trace)])), trace


def _one(made: list[Notice | Exception]) -> Notice:
    if isinstance(made[0], Exception):
        raise made[0]
    return made[0]


@dataclass(slots=True)
class _Reading:
    """One document's understanding under way: what the steps done so far have read of it."""

    doc: Document
    trace: dict[str, list[str]] | None  # where each value came from, when someone reads it (explain)
    hints: dict[str, Any] = field(default_factory=dict)
    made_fingerprint: str | Exception = ""  # made for the whole batch before the steps (content_fingerprints)
    fingerprint: str = ""
    text: str = ""
    language: str | None = None
    phase: str = "other"
    cells: Iterable[TableField] = ()
    buyer: str | None = None
    suppliers: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # figures too large to be amounts, kept as notes
    amounts: list[FoundAmount] = field(default_factory=list)
    # the Notice's own fields, read from the above
    notice_id: str = ""
    published: str | None = None
    project_code: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    amount: Amount | None = None
    amount_list: list[Amount] = field(default_factory=list)
    place: Place | None = None


def _understood(readings: list[_Reading]) -> list[Notice | Exception]:
    made: list[Notice | Exception | None] = [None] * len(readings)
    going = list(enumerate(readings))  # the readings no step has failed yet
    with batch_forms():  # several steps read a notice's text and title in their halfwidth forms
        fingerprints = content_fingerprints([reading.doc for reading in readings])
        for reading, fingerprint in zip(readings, fingerprints, strict=True):
            reading.made_fingerprint = fingerprint
        for step in _STEPS:
            failed = False
            for i, reading in going:
                try:
                    made[i] = step(reading)
                except Exception as exc:
                    made[i] = exc
                    failed = True
            if failed:
                going = [(i, reading) for i, reading in going if not isinstance(made[i], Exception)]
    return [m for m in made if m is not None]


def _read_fingerprint(r: _Reading) -> None:
    doc = r.doc
    r.hints = doc.hints or {}
    if isinstance(r.made_fingerprint, Exception):
        raise r.made_fingerprint
    r.fingerprint = r.made_fingerprint
    text = f"{doc.body}\n{doc.attachments}" if doc.attachments else doc.body
    r.text = text[:_SCOPE]


def _read_language(r: _Reading) -> None:
    r.language = detect_language(r.doc.title, r.doc.body, _str(r.hints.get("language")))


def _read_phase(r: _Reading) -> None:
    r.phase = _phase(r.doc, r.hints)


def _read_cells(r: _Reading) -> None:
    if r.doc.kind != "ocds":
        made_ahead(r.text, r.doc.title)  # the steps from here on read them in their halfwidth forms
    r.cells = cells = _Cells(r.hints.get("tables"), r.text) if r.doc.kind != "ocds" else ()
    if not _str(r.hints.get("buyer")):
        iter(cells)  # read now: _buyer reads them first thing when no source field names the buyer


def _read_buyer(r: _Reading) -> None:
    r.buyer = _buyer(r.doc.title, r.text, r.hints, r.phase, r.cells, r.trace)


def _read_suppliers(r: _Reading) -> None:
    r.suppliers = _suppliers(r.text, r.hints, r.phase, r.cells, r.trace)


def _read_amounts(r: _Reading) -> None:
    doc, hints, phase, suppliers = r.doc, r.hints, r.phase, r.suppliers
    # a notice of no clear type that names its winner (a portal fragment: 中标人 X, 中标价 Y) states an award
    # (only when no phase word decided "other": a candidate publicity's 中标人 is a proposal)
    names_winner = bool(suppliers) and phase == "other" and doc.kind != "ocds"
    money_phase = "award" if names_winner and not phase_of(f"{doc.title}\n{doc.body[:_SCOPE]}") else phase
    # figures too large to be amounts: kept as notes, never as numbers (a reader left out some already)
    r.rejected = [str(note) for note in hints.get("amount_notes") or []]
    r.amounts = _amounts(
        r.text,
        hints,
        money_phase,
        r.language == "zh",
        ocds=doc.kind == "ocds",
        cells=r.cells,
        trace=r.trace,
        suppliers=suppliers,
        rejected=r.rejected,
    )


def _read_id(r: _Reading) -> None:
    r.notice_id = notice_id(r.doc.source_key or r.doc.path, r.doc.locator, r.fingerprint)


def _read_published(r: _Reading) -> None:
    r.published = _published(r.doc.title, r.text, r.hints, r.language == "zh")


def _read_project_code(r: _Reading) -> None:
    r.project_code = _str(r.hints.get("project_code")) or project_code(r.doc.title, r.text)


def _read_candidates(r: _Reading) -> None:
    r.candidates = [Candidate(name, rank) for name, rank in candidates_from_text(r.text)]


def _read_headline(r: _Reading) -> None:
    r.amount = _headline(r.amounts, ocds=r.doc.kind == "ocds")
    r.amount_list = [_to_amount(a) for a in r.amounts]


def _read_place(r: _Reading) -> None:
    r.place = _place(r.doc, r.hints, r.buyer, r.text, r.language == "zh")


def _made_notice(r: _Reading) -> Notice:
    doc = r.doc
    items = r.hints.get("items")
    # every field by position, in _NOTICE_FIELDS' order: a class called with keywords first gathers them
    # into a dict, which takes as long as the rest of this step
    return Notice(
        r.notice_id,  # id
        r.fingerprint,  # fingerprint
        doc.path,  # path
        doc.locator,  # locator
        doc.kind,  # kind
        doc.title,  # title
        doc.body,  # body
        doc.attachments,  # attachments
        doc.url,  # url
        r.phase,  # type: ignore[arg-type]  # notice_type
        r.published,  # published
        r.project_code,  # project_code
        Party(r.buyer) if r.buyer else None,  # buyer
        [Party(name) for name in r.suppliers] if r.suppliers else [],  # suppliers
        r.candidates,  # candidates
        r.amount,  # amount
        r.amount_list,  # amounts
        list(dict.fromkeys(r.rejected)) if r.rejected else [],  # amount_notes
        r.place,  # place
        r.language,  # language
        _str(r.hints.get("ocid")),  # ocid
        list(items) if items else [],  # items
        Surveillance(),  # surveillance
        [],  # vendors_mentioned
        doc.ocr_confidence,  # ocr_confidence
    )


_NOTICE_FIELDS = (
    "id",
    "fingerprint",
    "path",
    "locator",
    "kind",
    "title",
    "body",
    "attachments",
    "url",
    "notice_type",
    "published",
    "project_code",
    "buyer",
    "suppliers",
    "candidates",
    "amount",
    "amounts",
    "amount_notes",
    "place",
    "language",
    "ocid",
    "items",
    "surveillance",
    "vendors_mentioned",
    "ocr_confidence",
)
if tuple(f.name for f in fields(Notice)) != _NOTICE_FIELDS:
    raise ImportError("Notice's fields changed: _made_notice passes them in _NOTICE_FIELDS' order")


# in the order the fields are read; the last makes the Notice, the others return None
_STEPS: tuple[Callable[[_Reading], Notice | None], ...] = (
    _read_fingerprint,
    _read_language,
    _read_phase,
    _read_cells,
    _read_buyer,
    _read_suppliers,
    _read_amounts,
    _read_id,
    _read_published,
    _read_project_code,
    _read_candidates,
    _read_headline,
    _read_place,
    _made_notice,
)


class _Cells:
    """The labelled cells of a notice's tables, read when a field first needs them: a notice whose source
    states its buyer, winners and figures never reads its tables."""

    __slots__ = ("_read", "_tables", "_text")

    def __init__(self, tables: list[list[list[str]]] | None, text: str) -> None:
        self._tables = tables
        self._text = text
        self._read: list[TableField] | None = None

    def __iter__(self) -> Iterator[TableField]:
        if self._read is None:
            self._read = fields_from_tables(self._tables, self._text)
        return iter(self._read)


def _note(trace: dict[str, list[str]] | None, name: str, where: str) -> None:
    if trace is not None:
        trace.setdefault(name, []).append(where)


def _cell_note(cell: TableField) -> str:
    where = {"html": "HTML table", "text": "'|' cells", "sentence": "sentence"}.get(cell.source, "label line")
    row = " (one lot)" if cell.lot else ""
    return f"{where}: {cell.label} → {cell.value}{row}"


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# sources whose notice type is a coded field the reader has already mapped to a phase: title words do not
# override it (a TED title "Framework contract for ..." is still a contract notice)
_STRUCTURED_KINDS = frozenset({"ocds", "ted"})


def _phase(doc: Document, hints: dict[str, Any]) -> str:
    hint = hints.get("notice_type")
    if doc.kind in _STRUCTURED_KINDS and isinstance(hint, str) and hint in PHASES:
        return hint
    phase = notice_phase(doc.title, hint, doc.body[:_BODY_OPENING])
    if phase == "award" and candidate_publicity(doc.title, doc.body[:_SCOPE]):
        return "other"
    return phase


def _published(title: str, text: str, hints: dict[str, Any], chinese: bool = False) -> str | None:
    return (
        parse_date(hints.get("published"), _CHINA_UTC_OFFSET if chinese else 0)
        or published_in_text(text)
        or parse_date(title)
        or parse_date(text[:_BODY_OPENING])  # portal pages print the date under the title
    )


def _buyer(
    title: str,
    text: str,
    hints: dict[str, Any],
    phase: str = "other",
    cells: Iterable[TableField] = (),
    trace: dict[str, list[str]] | None = None,
) -> str | None:
    hinted = _str(hints.get("buyer"))
    if hinted and not is_operator(hinted):
        _note(trace, "buyer", "source field")
        return clean_name(hinted) or hinted
    if hinted:
        from_title = buyer_from_title(title)
        _note(trace, "buyer", "title (telecom branch)" if from_title else "source field")
        return from_title or hinted  # telecom operators: the purchasing branch as the title names it
    for cell in cells:
        if cell.field == "buyer" and (name := _cell_name(cell.value)):
            _note(trace, "buyer", _cell_note(cell))
            return name
    labelled = buyer_from_text(text)
    if labelled and not is_operator(labelled):
        _note(trace, "buyer", f"text after a buyer label: {labelled}")
        return labelled  # the title's telecom branch is read only when the label names an operator
    from_title = buyer_from_title(title)
    if labelled and from_title and is_operator(labelled):
        _note(trace, "buyer", "title (telecom branch, as the title names it)")
        return from_title
    if labelled:
        _note(trace, "buyer", f"text after a buyer label: {labelled}")
        return labelled
    operator = operator_in(text[:_BODY_OPENING])  # a record's operator field: a telecom notice
    if operator:
        _note(trace, "buyer", "title" if from_title else f"operator named in the text: {operator}")
        return from_title or operator
    if names_operator(from_title):
        _note(trace, "buyer", "title")
        return from_title
    # not for candidate and other notices: the evaluation convention leaves candidate notices without a buyer
    opening = buyer_opening_title(title) if phase in ("award", "contract", "tender") else None
    if opening:
        _note(trace, "buyer", "the body the title opens with")
    return opening


def _cell_name(value: str) -> str | None:
    """An organisation's name from a labelled cell: the cell is the name, cut at the next label."""
    name = clean_name(_PLACEHOLDER_MARK.sub("", value))
    if not name or len(name) > _NAME_MAX or _SENTENCE.search(name) or _DIGITS_ONLY.match(name):
        return None
    if label_of(name) or "候选" in name:
        return None  # a label or a rank heading in a value's place (中标候选人情况), not a name
    return name


def _suppliers(
    text: str,
    hints: dict[str, Any],
    phase: str,
    cells: Iterable[TableField] = (),
    trace: dict[str, list[str]] | None = None,
) -> list[str]:
    hinted = hints.get("suppliers")
    if isinstance(hinted, str):
        hinted = [hinted]
    if hinted:
        names: list[str] = []
        for raw in hinted:
            for member in split_consortium(str(raw)):
                if member and member not in names:
                    names.append(member)
        _note(trace, "suppliers", "source field")
        return names
    if phase not in ("award", "contract", "other"):
        return []
    # a candidate ranked first is the winner only once the notice declares the award
    wanted = ("supplier", "candidate") if phase in ("award", "contract") else ("supplier",)
    from_cells: list[str] = []
    for cell in cells:
        if cell.field in wanted and (name := _cell_name(cell.value)):
            for member in split_consortium(name):
                if member not in from_cells:
                    from_cells.append(member)
                    _note(trace, "suppliers", _cell_note(cell))
    if from_cells:
        return from_cells
    found = suppliers_from_text(text, phase)
    if found:
        _note(trace, "suppliers", "text after a winner label")
    if not found and _SINGLE_SOURCE in text[:_OPENING_FOR_ADDRESSEE]:
        single = addressee(text[:_OPENING_FOR_ADDRESSEE])
        found = [single] if single else []
        if found:
            _note(trace, "suppliers", "addressee of a single-source notice")
    return found


def _amounts(
    text: str,
    hints: dict[str, Any],
    phase: str,
    chinese: bool,
    ocds: bool = False,
    cells: Iterable[TableField] = (),
    trace: dict[str, list[str]] | None = None,
    suppliers: list[str] = (),  # type: ignore[assignment]
    rejected: list[str] | None = None,
) -> list[FoundAmount]:
    found: list[FoundAmount] = []
    withheld: set[str] = set()  # kinds whose preferred field holds a placeholder
    for raw in hints.get("amounts") or []:
        if not isinstance(raw, dict):
            continue
        field = str(raw.get("field") or "")
        value = parse_money(raw.get("value"), field, None, rejected)
        currency = _str(raw.get("currency"))
        if value is None or (currency is None and not chinese):
            continue
        kind = raw.get("kind") if raw.get("kind") in _KINDS else None
        kind = kind or kind_from_name(field) or ("award" if phase == "award" else "budget")
        if not ocds and (value <= _PLACEHOLDER or kind in withheld):
            # a withheld lot value (0.01, 1.0) makes the notice total beside it a sum of placeholders too
            withheld.add(kind)
            continue
        found.append(FoundAmount(value, (currency or "CNY").upper(), kind, lot=str(raw.get("lot") or "")))
        _note(trace, "amounts", f"source field {field or '?'} ({kind})")
    # a tender's "中标金额" is hypothetical (fee examples, formulas): only award/contract notices state one
    winners_known = phase in ("award", "contract")
    if not chinese or ocds:
        return found
    if found:
        if not winners_known or any(a.kind in ("award", "contract") for a in found):
            return found
        # a crawler's budget field beside an award notice's text: the award stated in the text wins
        only_awards = True
    else:
        only_awards = False
    read = _cell_amounts(cells, phase, trace if not only_awards else None)
    from_cells = {(a.value, a.kind) for a in read}
    for a in with_lots(text, find_amounts(text, rejected)):
        if (a.value, a.kind) in from_cells:
            continue  # the cell's own figure, read again in the page's text
        if (winners_known or a.kind == "budget") and a.value > _PLACEHOLDER:
            read.append(a)
    if winners_known and suppliers and not any(a.kind in ("award", "contract") for a in read):
        # an award notice that states only its winner's bid (中标人：X，投标报价：Y元)
        at = text.find(suppliers[0])
        bid = bid_after(text, at) if at >= 0 else None
        if bid is not None and bid.value > _PLACEHOLDER:
            read.append(bid)
    for a in read:
        if only_awards and a.kind not in ("award", "contract"):
            continue
        found.append(a)
        if a.start >= 0:
            _note(trace, "amounts", f"text [{a.start}:{a.end}] {text[a.start : a.end]} ({a.kind})")
        elif only_awards:
            _note(trace, "amounts", f"table cell ({a.kind})")
    return found


def _cell_amounts(
    cells: Iterable[TableField], phase: str, trace: dict[str, list[str]] | None
) -> list[FoundAmount]:
    """Money cells of tables, with the kind their label gives. A bid (投标报价) is the price of an award
    only in an award notice that states no award figure of its own; a general label (金额) takes the
    notice's phase."""
    winners_known = phase in ("award", "contract")
    out: list[FoundAmount] = []
    bids: list[FoundAmount] = []
    for cell in cells:
        if cell.field != "amount":
            continue
        value = money_cell(cell.value, cell.label)
        if value is None or value <= _PLACEHOLDER:
            continue
        kind = cell.kind or ("award" if winners_known else "budget" if phase == "tender" else "")
        if kind == "bid":
            if winners_known:
                bids.append(FoundAmount(value, "CNY", "award", lot=cell.lot))
            continue
        if kind not in _KINDS or (kind in ("award", "contract") and not winners_known):
            continue
        out.append(
            FoundAmount(
                value, "CNY", kind, rank=budget_rank(cell.label) if kind == "budget" else 0, lot=cell.lot
            )
        )
        _note(trace, "amounts", f"{_cell_note(cell)} ({kind})")
    if bids and not any(a.kind in ("award", "contract") for a in out):
        out.extend(bids)
        _note(trace, "amounts", "bid cells of an award notice, read as the award")
    return out


def _headline(amounts: list[FoundAmount], ocds: bool) -> Amount | None:
    """Award/contract value preferred over budget. OCDS: contract values summed, else award values.
    Lots (the data rows of one header table) are summed, each row once."""
    if not amounts:
        return None
    order = ("contract", "award", "budget") if ocds else ("award", "contract", "budget")
    for kind in order:
        of_kind = [a for a in amounts if a.kind == kind]
        if not of_kind:
            continue
        if ocds and kind != "budget":
            currency = of_kind[0].currency
            total = sum((a.value for a in of_kind if a.currency == currency), Decimal(0))
            return Amount(float(total), currency, kind)  # type: ignore[arg-type]
        lots = {a.lot: a for a in reversed(of_kind) if a.lot}
        if len(lots) > 1 and of_kind[0].lot:
            total = sum((a.value for a in lots.values()), Decimal(0))
            return Amount(float(total), of_kind[0].currency, kind)  # type: ignore[arg-type]
        best = min(of_kind, key=lambda a: a.rank)
        return _to_amount(best)
    return None


def _to_amount(found: FoundAmount) -> Amount:
    return Amount(float(found.value), found.currency, found.kind)  # type: ignore[arg-type]


def _place(doc: Document, hints: dict[str, Any], buyer: str | None, text: str, chinese: bool) -> Place | None:
    country = (_str(hints.get("country")) or "").upper() or None
    region = _str(hints.get("region")) or ""
    if country not in (None, "CN") or doc.kind == "ocds":
        if country is None and not region:
            return None
        return Place(country=country, province=region or None)
    if not chinese and country is None:
        return None
    place = find_place(buyer or "", doc.title, region, text, doc.url)
    if place is None:
        return Place(country="CN") if chinese or country == "CN" else None
    return place
