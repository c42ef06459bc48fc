"""content_fingerprints of a batch: each document's content_fingerprint, or the exception it raises, whether
its text is hashed from bytes or the string way."""

from __future__ import annotations

import pytest

from procurewatch.model import Document, content_fingerprint
from procurewatch.parse.fingerprints import content_fingerprints

# cased letters beyond ASCII (full-width, Greek with its final sigma, a dotted capital I that lowers to two
# characters, Roman numerals), whitespace beyond ASCII, the separators str.split drops, lone surrogates
TEXTS = [
    "江西省 南昌市\n公安局　视频监控\t采购公告",
    "采购人：ＡＢＣ公司 Budget 120 万元",
    "ΑΣ ΣΑΣ aΣb",
    "İstanbul x\u0130",
    "a\u2000b\u205f c\x85d\xa0e\u2028f",
    "a\x1cb\x1dc\x1ed\x1f",
    "Ⅰ期 ①号 ǅ ß ﬀ",
    "",
    "x\ud800",
    "\udc00y",
    "plain ASCII Title",
]


def _doc(title: str, body: str, attachments: str = "") -> Document:
    return Document(
        path="n.json", locator="1", kind="record", title=title, body=body, attachments=attachments
    )


def _expected(doc: Document) -> str | type[Exception]:
    try:
        return content_fingerprint(doc.title, doc.body, doc.attachments)
    except Exception as exc:
        return type(exc)


def _made(docs: list[Document]) -> list[str | type[Exception]]:
    return [type(x) if isinstance(x, Exception) else x for x in content_fingerprints(docs)]


@pytest.mark.parametrize("astral", ["", "😀 A"])
def test_each_document_as_content_fingerprint_makes_it(astral: str) -> None:
    docs = [
        _doc(title, body, attachments)
        for title in TEXTS
        for body in TEXTS[:5]
        for attachments in ("", "附件")
    ]
    docs.append(_doc(astral, "正文"))
    assert _made(docs) == [_expected(doc) for doc in docs]
    assert UnicodeEncodeError in _made(docs)


def test_no_documents() -> None:
    assert content_fingerprints([]) == []


def test_spacing_and_case_do_not_change_the_fingerprint() -> None:
    one, other = content_fingerprints(
        [_doc("采购 公告", "预算 120 万元 ABC"), _doc("采购公告", "预算120万元\nabc")]
    )
    assert one == other
