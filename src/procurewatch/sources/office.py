"""Word, Excel, WPS and RTF files → Document: .docx and .xlsx (OOXML zip), legacy .doc and .xls (OLE
compound files; WPS Office's .wps and .et use the same containers), and .rtf.

Text keeps the document's reading order: paragraphs one per line, table and sheet rows one per line
with their cells separated by tabs, each sheet introduced by its name. Every problem is an InputError
naming the reason (encrypted, truncated, too large, a WPS file in a format not known here), so the file
is reported and skipped.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from procurewatch import knowledge
from procurewatch.errors import InputError
from procurewatch.model import Document
from procurewatch.sources import word_binary

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RTF_MAGIC = b"{\\rtf"
ZIP_MAGIC = b"PK\x03\x04"
OOXML_MARKERS = (b"[Content_Types].xml", b"word/", b"xl/")
OFFICE_SUFFIXES = (".docx", ".docm", ".xlsx", ".xlsm", ".doc", ".xls", ".wps", ".et", ".rtf")
WPS_SUFFIXES = (".wps", ".et", ".wpt", ".ett")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def limits() -> dict[str, int]:
    return knowledge.load_json("readers.json")["office_limits"]  # type: ignore[no-any-return]


def looks_like_office(head: bytes, name: str) -> bool:
    """An OLE compound file, an OOXML package or RTF, by content (the name only tells zips apart)."""
    if head.startswith(OLE_MAGIC) or head.startswith(RTF_MAGIC):
        return True
    if not head.startswith(ZIP_MAGIC):
        return False
    return name.lower().endswith(OFFICE_SUFFIXES) or any(m in head[:4096] for m in OOXML_MARKERS)


def read_office(data: bytes, *, name: str, path: str, source_key: str) -> Document:
    """Raises InputError when the file cannot be read."""
    kind, text = office_text(data, name)
    text = text.strip()
    if not text:
        raise InputError(f"{kind} file without any text")
    lines = (line.strip() for line in text.split("\n"))
    title = next((line for line in lines if line and not _is_sheet_heading(line, kind)), "")[:300]
    return Document(path=path, locator="", kind=kind, title=title, body=text, source_key=source_key)


def _is_sheet_heading(line: str, kind: str) -> bool:
    return kind == "excel" and line.startswith("【") and line.endswith("】")


def office_text(data: bytes, name: str) -> tuple[str, str]:
    """(kind, text) of one office file's bytes: kind is word, excel or rtf."""
    if len(data) > limits()["max_file_bytes"]:
        raise InputError(f"office file larger than {limits()['max_file_bytes'] // 2**20} MB: refused")
    if data.startswith(OLE_MAGIC):
        return _ole_text(data, name)
    if data.startswith(RTF_MAGIC):
        return "rtf", _rtf_text(data)
    if data.startswith(ZIP_MAGIC):
        return _ooxml_text(data, name)
    raise InputError("not an office file this reader knows")


def _ole_text(data: bytes, name: str) -> tuple[str, str]:
    import olefile

    try:
        ole = olefile.OleFileIO(data)
    except (OSError, ValueError, IndexError, EOFError) as exc:
        raise InputError(f"broken OLE compound file (legacy .doc/.xls): {exc}") from exc
    with ole:
        if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
            raise InputError(
                "password-protected Office document (encrypted): it cannot be read without its password"
            )
        if ole.exists("WordDocument"):
            return "word", word_binary.doc_text(ole)
        if ole.exists("Workbook") or ole.exists("Book"):
            return "excel", _xls_text(data)
    if name.lower().endswith(WPS_SUFFIXES):
        raise InputError(
            "WPS Office file in a format this reader does not know (no Word or Excel content): "
            "save it as .docx or .xlsx"
        )
    raise InputError("OLE compound file without Word or Excel content (e.g. PowerPoint): not read")


def _ooxml_text(data: bytes, name: str) -> tuple[str, str]:
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        infos = package.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(f"broken or truncated office file: {exc}") from exc
    unpacked, limit = sum(i.file_size for i in infos), limits()["max_unpacked_bytes"]
    if unpacked > limit:
        raise InputError(
            f"office file unpacks to {unpacked // 2**20} MB, over the {limit // 2**20} MB limit: "
            "refused (a zip bomb?)"
        )
    names = {i.filename for i in infos}
    try:
        if "word/document.xml" in names:
            return "word", _docx_text(package)
        if "xl/workbook.xml" in names:
            return "excel", _xlsx_text(data)
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
        raise InputError(f"broken or truncated office file: {exc}") from exc
    if name.lower().endswith(WPS_SUFFIXES):
        raise InputError("WPS Office file in a format this reader does not know: save it as .docx or .xlsx")
    raise InputError(
        "zip-based document that is neither Word nor Excel (e.g. PowerPoint, OpenDocument): not read"
    )


def _docx_text(package: zipfile.ZipFile) -> str:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(package.read("word/document.xml"), parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"broken Word document (document.xml): {exc}") from exc
    body = root.find(f"{_W}body")
    lines = list(_docx_blocks(body if body is not None else root))
    return _bounded("\n".join(lines))


def _docx_blocks(parent: Any) -> Iterator[str]:
    """Paragraphs one per line; a table row as its cells' text separated by tabs."""
    for child in parent:
        if child.tag == f"{_W}p":
            yield _paragraph(child)
        elif child.tag == f"{_W}tbl":
            for row in child.findall(f"{_W}tr"):
                cells = row.findall(f"{_W}tc")
                yield "\t".join(
                    " ".join(filter(None, (_paragraph(p) for p in c.iter(f"{_W}p")))) for c in cells
                )
        elif child.tag == f"{_W}sdt":  # content controls wrap ordinary paragraphs and tables
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _docx_blocks(content)


def _paragraph(p: Any) -> str:
    parts = []
    for node in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}delText"):
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.tag == f"{_W}br":
            parts.append("\n")
    return "".join(parts)


def _xlsx_text(data: bytes) -> str:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError, TypeError) as exc:
        raise InputError(f"broken or truncated Excel workbook: {exc}") from exc
    try:
        sheets = [(ws.title, ws.iter_rows(values_only=True)) for ws in book.worksheets]
        return _sheets_text(sheets)
    finally:
        book.close()


def _xls_text(data: bytes) -> str:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as exc:  # xlrd raises its own error and assorted struct/index errors on bad input
        reason = str(exc)
        if "encrypt" in reason.lower():
            raise InputError("password-protected Excel workbook (encrypted): not read") from exc
        raise InputError(f"broken legacy Excel workbook (.xls): {reason}") from exc
    try:
        sheets = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            sheets.append((sheet.name, _xls_rows(book, sheet)))
        return _sheets_text(sheets)
    finally:
        book.release_resources()


def _xls_rows(book: Any, sheet: Any) -> Iterator[list[Any]]:
    for r in range(sheet.nrows):
        yield _xls_row(book, sheet, r)


def _xls_row(book: Any, sheet: Any, r: int) -> list[Any]:
    import xlrd

    out: list[Any] = []
    for cell in sheet.row(r):
        if cell.ctype == xlrd.XL_CELL_DATE:
            try:
                out.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                continue
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                pass
        out.append(cell.value)
    return out


def _sheets_text(sheets: Iterable[tuple[str, Iterable[Iterable[Any]]]]) -> str:
    """Each sheet: its name on a line, then one line per non-empty row, cells separated by tabs."""
    max_rows, max_chars = limits()["max_sheet_rows"], limits()["max_text_chars"]
    lines: list[str] = []
    size = 0
    for title, rows in sheets:
        lines.append(f"【{title}】")
        for count, row in enumerate(rows):
            if count >= max_rows:
                raise InputError(f"sheet '{title}' has more than {max_rows} rows: refused")
            cells = [_cell(v) for v in row]
            while cells and not cells[-1]:
                cells.pop()
            if not cells:
                continue
            line = "\t".join(cells)
            size += len(line) + 1
            if size > max_chars:
                raise InputError(f"workbook text longer than {max_chars} characters: refused")
            lines.append(line)
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).replace("\r\n", " ").replace("\n", " ").replace("\t", " ").strip()


def _rtf_text(data: bytes) -> str:
    from striprtf.striprtf import rtf_to_text

    try:
        # RTF is 7-bit: non-ASCII text comes as \'xx escapes (decoded by the file's \ansicpg) or \uN
        return _bounded(rtf_to_text(data.decode("latin-1"), errors="replace"))
    except (ValueError, LookupError, IndexError) as exc:
        raise InputError(f"broken RTF file: {exc}") from exc


def _bounded(text: str) -> str:
    if len(text) > limits()["max_text_chars"]:
        raise InputError(f"document text longer than {limits()['max_text_chars']} characters: refused")
    return text
