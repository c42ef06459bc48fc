"""HTML notice pages → Document: decode the bytes ourselves, parse with lxml, keep the readable text of
the notice body (main_content drops the page's chrome).

Pages are hostile: nothing is fetched or executed. Scripts, styles, templates and content hidden from
readers (display:none, the hidden attribute) are dropped before the text is taken.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from procurewatch import knowledge
from procurewatch.errors import InputError
from procurewatch.model import Document
from procurewatch.sources.decode import declared_encoding, decode_text
from procurewatch.sources.main_content import drop_chrome, drop_chrome_lines

DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "head")
BLOCK_TAGS = frozenset(
    (
        *(
            "address",
            "article",
            "aside",
            "blockquote",
            "body",
            "caption",
            "center",
            "dd",
            "details",
            "dialog",
        ),
        *("dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hr"),
        *(
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "html",
            "legend",
            "li",
            "main",
            "menu",
            "nav",
            "ol",
            "p",
            "pre",
        ),
        *("section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul"),
    )
)
CELL_TAGS = frozenset(("td", "th"))
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0\u3000\u200b\ufeff\r\x0b\x0c]+")
_SOURCE_WHITESPACE = re.compile(r"[\r\n\t ]+")
_XML_PROLOG = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_TITLE_SPLIT = re.compile(r"\s+[-|_–—]\s+|[_|]")
_FRAGMENT_TAGS = (
    "div|table|tbody|tr|td|p|span|font|center|section|article|h[1-6]|ul|ol|style|strong|b|br|form"
)
_FRAGMENT_START = re.compile(rb"<(?:" + _FRAGMENT_TAGS.encode() + rb")[\s>/]")
_FRAGMENT_CLOSE = re.compile(rb"</(?:" + _FRAGMENT_TAGS.encode() + rb")\s*>")
_FRAGMENT_MIN_CLOSING = 3
_MARKUP_TAG = re.compile(r"<(?:" + _FRAGMENT_TAGS + r")[\s>/]")
_TITLE_MAX = 100  # a first line longer than this is running text, not a heading
_TITLE_LINES = 4  # site furniture above a fragment's title is a few lines at most


def looks_like_html(head: bytes) -> bool:
    """A page, or a fragment of one saved without <html>/<title> (a crawler's notice body)."""
    sample = head[:4096].lower()
    if any(
        marker in sample for marker in (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta ", b"<title")
    ):
        return True
    return _FRAGMENT_START.match(sample.lstrip(b"\xef\xbb\xbf \t\r\n")) is not None and b"</" in sample


def looks_like_markup_body(head: bytes) -> bool:
    """A saved body that opens with text but is markup throughout (…</p><p>…</td>). Asked after the
    records-table test, so a CSV whose cells hold HTML stays a table."""
    return len(_FRAGMENT_CLOSE.findall(head[:4096].lower())) >= _FRAGMENT_MIN_CLOSING


def looks_like_markup(text: str) -> bool:
    """A scraped field's value that is HTML (a notice body kept as markup), not text mentioning '<'."""
    head = text[:4096].lower()
    return "</" in head and _MARKUP_TAG.search(head) is not None


def read_html(data: bytes, *, path: str, source_key: str, main_content: bool = True) -> Document:
    """Raises InputError (DecodeError for bytes that are not text) when the page cannot be read.
    `main_content=False` keeps the page's chrome (for measuring what main_content removes)."""
    text = decode_text(data, declared_encoding(data[:8192]))
    text = _XML_PROLOG.sub("", text)
    if not text.strip():
        raise InputError("empty page")
    try:
        root = lxml.html.document_fromstring(text)
    except etree.ParserError as exc:  # e.g. only a comment, or an unclosed first tag
        raise InputError(f"no HTML content ({exc})") from exc
    meta = _meta(root)
    title_tag = _clean(root.findtext(".//title") or "")
    url = _canonical_url(root, meta)
    _drop_unseen(root)
    title = _title(root, title_tag, meta)
    body_el = root.find("body")
    target = body_el if body_el is not None else root
    if main_content:
        drop_chrome(target, title)
    body = drop_chrome_lines(html_text(target), _site_names(meta)) if main_content else html_text(target)
    title = title or _first_line(body)
    doc = Document(path=path, locator="", kind="html", title=title, body=body, url=url, source_key=source_key)
    tables = html_tables(root)
    if tables:
        doc.hints["tables"] = tables
    return doc


def fragment(markup: str) -> tuple[str, list[list[list[str]]]]:
    """Readable text and table rows of an HTML value inside a scraped record (its notice body)."""
    root = lxml.html.document_fromstring(markup)
    _drop_unseen(root)
    body_el = root.find("body")
    target = body_el if body_el is not None else root
    drop_chrome(target)
    return drop_chrome_lines(html_text(target)), html_tables(root)


def html_tables(root: lxml.html.HtmlElement) -> list[list[list[str]]]:
    """Every table as rows of cell texts (a cell spanning n columns repeated n times), innermost rows only:
    a cell that holds a nested table is kept as its text, and the nested table is a table of its own."""
    tables: list[list[list[str]]] = []
    for table in root.iter("table"):
        rows: list[list[str]] = []
        loose: list[str] = []  # header cells written straight under <table>, without a <tr>
        for el in table.iter("tr", "td", "th"):
            if _owner_table(el) is not table:
                continue
            if el.tag == "tr":
                cells = [c for c in el if isinstance(c.tag, str) and c.tag in CELL_TAGS]
                row = [text for c in cells for text in [_cell_text(c)] * _span(c)]
                if any(row):
                    rows.append(row)
            elif el.getparent() is not None and el.getparent().tag != "tr":
                loose.append(_cell_text(el))
        if any(loose):
            rows.insert(0, loose)
        if rows:
            tables.append(rows)
    return tables


def _owner_table(el: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _span(cell: lxml.html.HtmlElement) -> int:
    try:
        return max(1, min(int(cell.get("colspan") or 1), 20))
    except ValueError:
        return 1


def _cell_text(cell: lxml.html.HtmlElement) -> str:
    return _clean(cell.text_content())


def _first_line(body: str) -> str:
    """A fragment without <title> or heading: its first line that is not the site's own furniture (the
    portal's name, 首页 > …, 技术支持), when it is short enough to be a title."""
    skip = knowledge.load_json("fields.json")["fragment_title_skip"]
    endings, words = tuple(skip["endings"]), skip["words"]
    for line in body.split("\n", _TITLE_LINES)[:_TITLE_LINES] if body else []:
        line = _without_label(line.strip(), skip["labels"])
        if not line or line.endswith(endings) or any(word in line for word in words):
            continue
        return line if len(line) <= _TITLE_MAX else ""
    return ""


def _without_label(line: str, labels: list[str]) -> str:
    """项目名称：X or 项目名称 X (a label cell and its value) → X."""
    for label in labels:
        if line.startswith(label):
            rest = line[len(label) :]
            stripped = rest.lstrip(" \t:：")
            if stripped and rest[:1] in (" ", "\t", ":", "："):
                return stripped
    return line


def _meta(root: lxml.html.HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for el in root.iter("meta"):
        name = (el.get("property") or el.get("name") or "").strip().lower()
        content = (el.get("content") or "").strip()
        if name and content and name not in found:
            found[name] = content
    return found


def _site_names(meta: dict[str, str]) -> frozenset[str]:
    return frozenset(_clean(meta.get(k, "")) for k in ("sitename", "og:site_name", "application-name")) - {""}


def _canonical_url(root: lxml.html.HtmlElement, meta: dict[str, str]) -> str | None:
    candidates = [
        el.get("href", "") for el in root.iter("link") if "canonical" in (el.get("rel") or "").lower()
    ]
    candidates.append(meta.get("og:url", ""))
    for candidate in candidates:
        candidate = candidate.strip()
        if candidate.lower().startswith(("http://", "https://")):
            return candidate
    return None


def _drop_unseen(root: lxml.html.HtmlElement) -> None:
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        if el.getparent() is not None:
            el.drop_tree()
    doomed = [
        el
        for el in root.iter()
        if isinstance(el.tag, str)
        and (
            el.tag in DROP_TAGS
            or el.get("hidden") is not None
            or el.get("aria-hidden") == "true"
            or _HIDDEN_STYLE.search(el.get("style") or "")
        )
    ]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def html_text(root: lxml.html.HtmlElement) -> str:
    """Readable text: one line per block, cells separated by spaces, whitespace normalised.

    Newlines in the source are plain whitespace in HTML, except inside <pre>.
    """
    parts: list[str] = []
    in_pre = 0

    def add(text: str | None) -> None:
        if text:
            parts.append(text if in_pre else _SOURCE_WHITESPACE.sub(" ", text))

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            in_pre += tag == "pre"
            if tag in BLOCK_TAGS or tag == "br":
                parts.append("\n")
            elif tag in CELL_TAGS:
                parts.append(" ")
            if tag:
                add(el.text)
        else:
            in_pre -= tag == "pre"
            if tag in BLOCK_TAGS:
                parts.append("\n")
            elif tag in CELL_TAGS:
                parts.append(" ")
            if el is not root:
                add(el.tail)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def _title(root: lxml.html.HtmlElement, title_tag: str, meta: dict[str, str]) -> str:
    """og:title or ArticleTitle, else the first h1, else <title> unless it only names the site, else an
    h2/h3."""
    for key in ("og:title", "articletitle"):
        if meta.get(key):
            return _clean(meta[key])
    for tag in ("h1",):
        for el in root.iter(tag):
            text = _clean(el.text_content())
            if text:
                return text
    site = {_clean(meta.get(k, "")) for k in ("sitename", "og:site_name", "application-name")} - {""}
    page_title = title_tag
    if page_title and site:
        pieces = [p.strip() for p in _TITLE_SPLIT.split(page_title) if p.strip() and p.strip() not in site]
        page_title = max(pieces, key=len) if pieces else ""
    heading = next(
        (t for tag in ("h2", "h3") for el in root.iter(tag) if len(t := _clean(el.text_content())) >= 6), ""
    )
    if page_title and (len(page_title) >= len(heading) or not heading):
        return page_title
    return heading or page_title
