"""OCDS reader: release/record packages, bare releases/records, JSON Lines and concatenated streams.

Contract:
  is_ocds(head: bytes) -> bool
      decides from the first bytes (~64 KB) of a JSON file, whatever its encoding.
  read_ocds(input_file) -> Iterator[Document | SkippedInput]
      streams the file (flat memory): one Document per release (locator = release id) or per
      record (locator = ocid, from its compiledRelease, latest versioned values, or a merge of its
      releases). A broken file yields the releases read before the break, then a SkippedInput.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from procurewatch.model import Document, SkippedInput
from procurewatch.sources.ocds_map import map_release, text
from procurewatch.sources.ocds_merge import compile_record
from procurewatch.sources.ocds_stream import (
    HEAD_SIZE,
    OcdsFormatError,
    Unit,
    decode_head,
    iter_units,
    looks_like_ocds,
    sniff_shape,
)

if TYPE_CHECKING:
    from procurewatch.sources.files import InputFile


def is_ocds(head: bytes) -> bool:
    """True when the first bytes of a JSON/JSONL file are an OCDS package, release or record."""
    text_head = decode_head(head[:HEAD_SIZE])
    utf8 = text_head.encode("utf-8")
    return looks_like_ocds(sniff_shape(utf8), text_head)


def _open(input_file: InputFile) -> IO[bytes]:
    opener = getattr(input_file, "open", None)
    if callable(opener):
        return opener()
    return io.BytesIO(input_file.read_bytes())


def read_ocds(input_file: InputFile) -> Iterator[Document | SkippedInput]:
    """Every release/record of one OCDS file as a Document; problems as SkippedInput."""
    path = input_file.path
    try:
        stream = _open(input_file)
    except OSError as exc:
        yield SkippedInput(path, f"cannot read: {exc.strerror or exc}")
        return
    with stream:
        yield from documents_of(iter_units(stream, path), path, input_file.source_key)


def documents_of(
    units: Iterable[Unit | OcdsFormatError], path: str, source_key: str
) -> Iterator[Document | SkippedInput]:
    """The units of one file (or of a slice of its lines) as Documents; problems as SkippedInput."""
    index = 0
    for unit in units:
        if isinstance(unit, OcdsFormatError):
            yield SkippedInput(path, str(unit))
            continue
        try:
            yield to_document(unit, path, source_key, index)
        except Exception as exc:  # one odd release must not lose the rest of the file
            where = unit.position or f"#{index}"
            yield SkippedInput(path, f"cannot map OCDS {unit.kind} {where}: {exc!r}", _locator(unit, index))
        index += 1


def _locator(unit: Unit, index: int) -> str:
    data = unit.data
    fallback_place = unit.position or f"#{index}"
    if unit.kind == "record":
        compiled = data.get("compiledRelease")
        fallback = compiled.get("ocid") if isinstance(compiled, dict) else None
        return text(data.get("ocid")) or text(fallback) or fallback_place
    return text(data.get("id")) or text(data.get("ocid")) or fallback_place


def to_document(unit: Unit, path: str, source_key: str, index: int) -> Document:
    release: dict[str, Any] = unit.data
    how = ""
    if unit.kind == "record":
        release, how = compile_record(unit.data)
        if not text(release.get("ocid")) and text(unit.data.get("ocid")):
            release = {**release, "ocid": unit.data["ocid"]}
    mapped = map_release(release, unit.package)
    if how and how != "compiledRelease":
        note = f"record read from its {how}"
        mapped.hints["validation"] = (
            f"{mapped.hints['validation']}; {note}" if "validation" in mapped.hints else note
        )
    return Document(
        path=path,
        locator=_locator(unit, index)
        if unit.kind == "release"
        else text(release.get("ocid")) or _locator(unit, index),
        kind="ocds",
        title=mapped.title,
        body=mapped.body,
        url=mapped.url,
        hints=mapped.hints,
        source_key=source_key,
    )
