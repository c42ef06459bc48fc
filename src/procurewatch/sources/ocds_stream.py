"""Streaming OCDS JSON: bytes in any encoding → release and record objects, in flat memory.

Shapes handled (decided from the first 64 KB, content only):
  a package (release or record) too big for the head  → ijson over `releases.item` / `records.item`
  JSON Lines (the first line is a whole JSON value)   → one `json.loads` per line (a bad line loses that line)
  a top-level array                                   → ijson over its elements, classified in Python
  anything else (one small value, concatenated stream) → ijson over each top-level value, classified in Python
Bytes that are not valid UTF-8 in a file sniffed as UTF-8 (an ASCII head, Latin-1 further on) are read as
Latin-1 rather than lost.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Literal

import ijson
from charset_normalizer import from_bytes

from procurewatch.errors import InputError
from procurewatch.sources import json_decode
from procurewatch.sources.budget import (
    READ_AHEAD,
    BudgetError,
    LongLine,
    RecordBudget,
    bounded_lines,
    depth_reason,
    limits,
    too_deep,
)

HEAD_SIZE = 64 * 1024
CHUNK_SIZE = 256 * 1024
PACKAGE_KEYS = frozenset({"uri", "publisher", "publishedDate", "version", "license", "publicationPolicy"})
RECORD_KEYS = frozenset({"compiledRelease", "versionedRelease"})
SECTION_KEYS = frozenset({"planning", "tender", "awards", "contracts"})
RELEASE_KEYS = frozenset({"tag", "date", "tender", "awards", "contracts", "planning", "buyer", "parties"})
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

UnitKind = Literal["release", "record"]
LATIN1_FALLBACK = "procurewatch-ocds-latin1"


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(LATIN1_FALLBACK, _latin1_fallback)


class OcdsFormatError(InputError):
    """The file is not OCDS JSON or breaks off; the message says where."""


@dataclass(slots=True)
class Unit:
    """One release or record with the metadata of the package that carried it."""

    kind: UnitKind
    data: dict[str, Any]
    package: dict[str, Any] = field(default_factory=dict)
    position: str = ""  # where it sits when that does not depend on what came before: "line 12", "line 12.2"


# ----------------------------------------------------------------------------- encoding


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """(codec name, BOM length) for a JSON file's first bytes."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name, len(bom)
    if len(head) >= 4 and head[0] == 0 and head[1] != 0:
        return "utf-16-be", 0
    if len(head) >= 4 and head[0] != 0 and head[1] == 0:
        return "utf-16-le", 0
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    best = from_bytes(head).best()
    if best is None or best.encoding.startswith(("utf_16", "utf_32")):
        return "cp1252", 0
    return best.encoding, 0


def _decode_errors(encoding: str) -> str:
    """Undecodable bytes: read as Latin-1 in a file sniffed as UTF-8 (an ASCII head, Latin-1 further
    on), else U+FFFD."""
    return LATIN1_FALLBACK if codecs.lookup(encoding).name == "utf-8" else "replace"


class Utf8Reader(io.RawIOBase):
    """A binary stream re-encoded to UTF-8 on the fly (undecodable bytes become U+FFFD)."""

    def __init__(self, raw: IO[bytes], encoding: str, prefix: bytes = b"") -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder(encoding)(errors=_decode_errors(encoding))
        self._pending = self._decoder.decode(prefix).encode("utf-8") if prefix else b""
        self._done = False

    def readable(self) -> bool:
        return True

    def _fill(self, want: int) -> None:
        while len(self._pending) < want and not self._done:
            chunk = self._raw.read(max(want - len(self._pending), CHUNK_SIZE))
            if not chunk:
                self._done = True
                self._pending += self._decoder.decode(b"", final=True).encode("utf-8")
            else:
                self._pending += self._decoder.decode(chunk).encode("utf-8")

    def head(self, size: int) -> bytes:
        """The next `size` bytes without consuming them."""
        self._fill(size)
        return self._pending[:size]

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            parts = [self._pending]
            self._pending = b""
            while not self._done:
                self._fill(CHUNK_SIZE)
                parts.append(self._pending)
                self._pending = b""
            return b"".join(parts)
        self._fill(size)
        out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_exactly(raw: IO[bytes], size: int) -> bytes:
    """Up to `size` bytes, looping over short reads (compressed and network streams give them)."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        chunk = raw.read(size - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def utf8_stream(raw: IO[bytes]) -> tuple[Utf8Reader, bytes]:
    """The stream re-encoded as UTF-8, and its first HEAD_SIZE UTF-8 bytes (not consumed)."""
    first = read_exactly(raw, HEAD_SIZE)
    encoding, skip = sniff_encoding(first)
    reader = Utf8Reader(raw, encoding, first[skip:])
    return reader, reader.head(HEAD_SIZE)


def decode_head(head: bytes) -> str:
    encoding, skip = sniff_encoding(head)
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head[skip:], final=False)


# ----------------------------------------------------------------------------- shape sniffing


@dataclass(slots=True)
class HeadShape:
    top: str = ""  # "map" | "array" | "" (nothing parsed)
    keys: list[str] = field(default_factory=list)  # keys of the first object (top value or first array item)
    array_keys: set[str] = field(default_factory=set)  # those among them whose value is an array
    first_item_keys: list[str] = field(default_factory=list)  # keys of the first element of releases/records
    first_value_complete: bool = False
    package: dict[str, Any] = field(default_factory=dict)  # uri, publisher name, version seen in the head
    error: str = ""


def sniff_shape(head: bytes) -> HeadShape:
    """Walk the parse events of the head only: structure of the first top-level value."""
    shape = HeadShape()
    base = ""  # prefix of the object whose keys we record: "" or "item" (top-level array)
    if too_deep(head):  # the parser's cost grows with the square of the depth
        shape.error = depth_reason()
        return shape
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(head), multiple_values=True):
            if not shape.top:
                if event not in ("start_map", "start_array"):
                    shape.first_value_complete = True  # a bare scalar: not OCDS
                    break
                shape.top = "map" if event == "start_map" else "array"
                base = "" if shape.top == "map" else "item"
                continue
            if prefix == "" and event in ("end_map", "end_array"):
                shape.first_value_complete = True
                break
            if prefix == base and event == "map_key":
                shape.keys.append(value)
            elif prefix == base and event == "end_map":
                shape.first_value_complete = True
                break
            elif event == "start_array" and prefix in (_join(base, "releases"), _join(base, "records")):
                shape.array_keys.add(prefix.rpartition(".")[2])
            elif event == "map_key" and prefix in (_join(base, "releases.item"), _join(base, "records.item")):
                if len(shape.first_item_keys) < 40:
                    shape.first_item_keys.append(value)
            elif event == "string" and prefix in _PACKAGE_PREFIXES.get(base, {}):
                shape.package.setdefault(_PACKAGE_PREFIXES[base][prefix], value)
    except ijson.IncompleteJSONError:
        pass
    except ijson.JSONError as exc:
        shape.error = str(exc)
    return shape


def _join(base: str, path: str) -> str:
    return f"{base}.{path}" if base else path


_PACKAGE_PREFIXES: dict[str, dict[str, str]] = {
    base: {
        _join(base, "uri"): "uri",
        _join(base, "version"): "version",
        _join(base, "publishedDate"): "publishedDate",
        _join(base, "publisher.name"): "publisher",
        _join(base, "publisher"): "publisher",
    }
    for base in ("", "item")
}


def classify(obj: Any) -> str:
    """'release_package' | 'record_package' | 'record' | 'release' | 'list' | '' for one JSON value."""
    if isinstance(obj, list):
        return "list"
    if not isinstance(obj, dict):
        return ""
    keys = obj.keys()
    if isinstance(obj.get("records"), list):
        return "record_package"
    if keys & RECORD_KEYS:
        return "record"
    if isinstance(obj.get("releases"), list):
        return "record" if "ocid" in keys and not keys & PACKAGE_KEYS else "release_package"
    if "ocid" in keys or (keys & RELEASE_KEYS and "id" in keys):
        return "release"
    return ""


def looks_like_ocds(shape: HeadShape, head_text: str) -> bool:
    keys = set(shape.keys)
    item_keys = set(shape.first_item_keys)
    if shape.error and not keys:
        return False
    if "records" in shape.array_keys and (
        keys & PACKAGE_KEYS or item_keys & ({"ocid", "releases"} | RECORD_KEYS)
    ):
        return True
    if "releases" in shape.array_keys and (keys & PACKAGE_KEYS or keys & ({"ocid"} | RECORD_KEYS)):
        return True
    if "releases" in shape.array_keys and "ocid" in item_keys:
        return True
    if keys & RECORD_KEYS:
        return True
    if "ocid" in keys and keys & {"tag", "date", "releases", "id"}:
        return True
    if "initiationType" in keys or len(keys & SECTION_KEYS) >= 2:
        return True  # a bare release whose ocid lies beyond the head
    if not keys and head_text.lstrip().startswith(("{", "[")):
        # the first key may lie beyond a huge opening value; look for OCDS names in the text
        return '"ocid"' in head_text and ('"releases"' in head_text or '"tag"' in head_text)
    return False


# ----------------------------------------------------------------------------- iteration


def iter_units(raw: IO[bytes], name: str) -> Iterator[Unit | OcdsFormatError]:
    """Every release/record in the stream; a parse failure comes last as OcdsFormatError."""
    budget = RecordBudget(raw)
    try:
        yield from _iter_budgeted(budget, name)
    except BudgetError as exc:
        yield OcdsFormatError(f"{name}: {exc}")


def _iter_budgeted(budget: RecordBudget, name: str) -> Iterator[Unit | OcdsFormatError]:
    stream, head = utf8_stream(budget)
    if not head.strip():
        yield OcdsFormatError(f"{name}: empty file")
        return
    shape = sniff_shape(head)
    if shape.error and not shape.keys:
        yield OcdsFormatError(f"{name}: not JSON ({shape.error})")
        return
    layout = _layout(head, shape)
    if layout.startswith("package:"):
        yield from _iter_big_package(stream, layout.partition(":")[2], shape.package, name, budget)
    elif layout == "lines":
        budget.stop_counting()  # each line has a budget of its own
        yield from _iter_json_lines(io.BufferedReader(stream, buffer_size=CHUNK_SIZE), name)
    else:
        # a top-level array is walked element by element, so a huge array of releases stays in flat memory
        yield from _iter_values(stream, name, "item" if shape.top == "array" else "", budget)


def _layout(head: bytes, shape: HeadShape) -> str:
    """How a file whose UTF-8 head is `head` is walked: "package:<container prefix>", "lines" or "values"."""
    if not shape.first_value_complete and shape.array_keys & {"releases", "records"}:
        container = "records" if "records" in shape.array_keys else "releases"
        is_record = container == "releases" and bool(set(shape.keys) & ({"ocid"} | RECORD_KEYS))
        if not is_record:
            return "package:" + ("item." if shape.top == "array" else "") + container
    return "lines" if _is_json_lines(head) else "values"


def _iter_big_package(
    stream: IO[bytes], container: str, package: dict[str, Any], name: str, budget: RecordBudget
) -> Iterator[Unit | OcdsFormatError]:
    kind: UnitKind = "record" if container.endswith("records") else "release"
    count = 0
    try:
        for obj in ijson.items(
            stream, f"{container}.item", multiple_values=True, use_float=True, buf_size=READ_AHEAD
        ):
            count += 1
            budget.next_record()
            if isinstance(obj, dict):
                yield Unit(kind, obj, package)
            else:
                yield OcdsFormatError(f"{name}: {container}[{count - 1}] is not an object")
    except ijson.JSONError as exc:
        yield OcdsFormatError(f"{name}: broken JSON after {count} {container}: {exc}")


def _is_json_lines(head: bytes) -> bool:
    first, sep, rest = head.lstrip().partition(b"\n")
    if not sep or not rest.strip():
        return False
    try:
        json.loads(first)
    except (ValueError, RecursionError):
        return False
    return True


def _iter_json_lines(stream: IO[bytes], name: str) -> Iterator[Unit | OcdsFormatError]:
    for number, line in enumerate(bounded_lines(stream), start=1):
        if isinstance(line, LongLine):
            yield OcdsFormatError(f"{name}: line {number}: {line.reason}")
        else:
            yield from json_line_units(line, number, name)


def json_line_units(line: bytes, number: int, name: str) -> Iterator[Unit | OcdsFormatError]:
    """The releases/records of line `number` (UTF-8) of a JSON Lines file. Shared by the whole-file reader
    and sources/lines.py, so a file read in slices gives the same units."""
    if not line.strip():
        return
    if len(line) > limits().max_line_bytes:
        yield OcdsFormatError(f"{name}: line {number}: {LongLine(len(line)).reason}")
        return
    if too_deep(line):
        yield OcdsFormatError(f"{name}: line {number}: {depth_reason()}")
        return
    try:
        obj = json_decode.loads(line)
    except RecursionError:  # deeper than the brackets outside its strings showed
        yield OcdsFormatError(f"{name}: line {number}: {depth_reason()}")
        return
    except ValueError as exc:
        yield OcdsFormatError(f"{name}: line {number} is not valid JSON ({exc})")
        return
    units = list(_units_of(obj, {}, name, f"line {number}"))
    several = sum(isinstance(u, Unit) for u in units) > 1
    k = 0
    for unit in units:
        if isinstance(unit, Unit):
            k += 1
            unit.position = f"line {number}.{k}" if several else f"line {number}"
        yield unit


def utf8_line(raw: bytes, encoding: str) -> bytes:
    """One line of a file in `encoding` as the UTF-8 `Utf8Reader` makes of it (newline-safe encodings)."""
    if codecs.lookup(encoding).name == "utf-8":
        try:
            raw.decode("utf-8")  # valid UTF-8 passes as it is (0.4 s of CPU per 200,000 OCDS lines)
            return raw
        except UnicodeDecodeError:
            pass
    return raw.decode(encoding, errors=_decode_errors(encoding)).encode("utf-8")


def json_lines_encoding(head: bytes) -> tuple[str, int] | None:
    """(encoding, BOM length) when an OCDS file is JSON Lines, as `iter_units` decides, else None."""
    encoding, skip = sniff_encoding(head)
    decoder = codecs.getincrementaldecoder(encoding)(errors=_decode_errors(encoding))
    utf8 = decoder.decode(head[skip:]).encode("utf-8")[:HEAD_SIZE]
    if not utf8.strip():
        return None
    shape = sniff_shape(utf8)
    if shape.error and not shape.keys:
        return None
    return (encoding, skip) if _layout(utf8, shape) == "lines" else None


def _iter_values(
    stream: IO[bytes], name: str, prefix: str, budget: RecordBudget
) -> Iterator[Unit | OcdsFormatError]:
    count = 0
    try:
        for obj in ijson.items(stream, prefix, multiple_values=True, use_float=True, buf_size=READ_AHEAD):
            count += 1
            budget.next_record()
            yield from _units_of(obj, {}, name, f"value {count}")
    except ijson.JSONError as exc:
        yield OcdsFormatError(f"{name}: broken JSON after {count} top-level value(s): {exc}")


def package_meta(obj: dict[str, Any]) -> dict[str, Any]:
    publisher = obj.get("publisher")
    meta: dict[str, Any] = {
        k: obj[k] for k in ("uri", "version", "publishedDate") if isinstance(obj.get(k), str)
    }
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        meta["publisher"] = publisher["name"]
    elif isinstance(publisher, str):
        meta["publisher"] = publisher
    return meta


def _units_of(obj: Any, package: dict[str, Any], name: str, where: str) -> Iterator[Unit | OcdsFormatError]:
    shape = classify(obj)
    if shape == "list":
        for element in obj:
            yield from _units_of(element, package, name, where)
    elif shape in ("release_package", "record_package"):
        meta = package_meta(obj)
        container = "records" if shape == "record_package" else "releases"
        kind: UnitKind = "record" if shape == "record_package" else "release"
        for index, element in enumerate(obj[container]):
            if isinstance(element, dict):
                yield Unit(kind, element, meta)
            else:
                yield OcdsFormatError(f"{name}: {where} {container}[{index}] is not an object")
    elif shape == "record":
        yield Unit("record", obj, package_meta(obj) or package)
    elif shape == "release":
        yield Unit("release", obj, package_meta(obj.get("packageInfo") or {}) or package)
    else:
        yield OcdsFormatError(f"{name}: {where} is not an OCDS package, release or record")
