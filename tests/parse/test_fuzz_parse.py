"""Property-based fuzzing of the parsers (issue 16): any text gives a Notice (or None, or a value), never
an exception."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from tests.fuzzing import FUZZ, notice_text

from procurewatch.model import Document
from procurewatch.parse import amounts, codes, dates, language, notice_type, parties, places, tables
from procurewatch.parse.notice import understand


@FUZZ
@given(title=notice_text, body=notice_text, kind=st.sampled_from(["html", "text", "record", "ocds", "pdf"]))
def test_understanding_any_text_gives_a_notice(title: str, body: str, kind: str) -> None:
    understand(Document(path="a", locator="", kind=kind, title=title, body=body))


@FUZZ
@given(text=notice_text, other=notice_text)
def test_every_text_parser_takes_any_text(text: str, other: str) -> None:
    amounts.find_amounts(text)
    amounts.parse_money(text, other)
    amounts.chinese_numeral(text)
    codes.project_code(other, text)
    dates.parse_date(text)
    dates.published_in_text(text)
    language.detect_language(other, text)
    notice_type.notice_phase(other, text, text)
    parties.buyer_from_text(text)
    parties.suppliers_from_text(text, "award")
    parties.clean_name(text)
    parties.buyer_from_title(other)
    places.find_place(other, text, text, text, "http://" + other)
    tables.fields_from_tables([[[other, text], [text, other]]], text)


@FUZZ
@given(raw=st.one_of(st.integers(), st.floats(), st.text(max_size=40), st.none(), st.booleans()))
def test_money_and_dates_take_any_raw_value(raw: object) -> None:
    amounts.parse_money(raw)
    dates.parse_date(raw)
