"""Text from a scanned page image by OCR, offline: Tesseract 5 run as a child process per page.

Tesseract (Debian's `tesseract-ocr` and its language packs, which scripts/test.sh installs) covers
every language of the taxonomy; why it was chosen over a wheel-shipped engine is in
docs/measurements.md. Settings that are policy (resolution, limits, languages per script) live in
data/ocr.json. A page goes to Tesseract as a binary PGM on stdin, so nothing touches the disk.

The script of a document is found once, on its first page with ink (Tesseract's OSD); when the
script has several language models (Simplified and Traditional Chinese), each reads that page and the
one with the higher confidence reads the rest of the document.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from procurewatch.errors import InputError
from procurewatch.knowledge import load_json
from procurewatch.sources import ocr_words

ENGINE = "tesseract"
NO_OCR_VARIABLE = "PROCUREWATCH_NO_OCR"  # set by `--no-ocr`; inherited by the worker processes
_SCRIPT_LINE = re.compile(r"^Script:\s*(\S+)", re.MULTILINE)


class OcrUnavailable(InputError):
    """The OCR engine or one of its language packs is not installed."""


@dataclass(frozen=True, slots=True)
class PageImage:
    """One page as 8-bit grayscale pixels, row by row."""

    width: int
    height: int
    pixels: bytes

    def pgm(self) -> bytes:
        return b"P5 %d %d 255\n" % (self.width, self.height) + self.pixels


@dataclass(frozen=True, slots=True)
class OcrText:
    text: str
    confidence: float  # 0..1: the engine's word confidences, weighted by characters
    characters: int


@cache
def settings() -> dict[str, Any]:
    return load_json("ocr.json")


def ocr_enabled() -> bool:
    return os.environ.get(NO_OCR_VARIABLE, "") in ("", "0")


@contextmanager
def ocr_turned_off(off: bool = True) -> Iterator[None]:
    """OCR off for what runs inside, through the environment: the worker and step processes started
    inside inherit it."""
    if not off:
        yield
        return
    before = os.environ.get(NO_OCR_VARIABLE)
    os.environ[NO_OCR_VARIABLE] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(NO_OCR_VARIABLE, None)
        else:
            os.environ[NO_OCR_VARIABLE] = before


@cache
def engine_problem() -> str | None:
    """Why OCR cannot run here (engine or language packs missing), or None when it can."""
    binary = shutil.which(ENGINE)
    if binary is None:
        return "the OCR engine is not installed (install tesseract-ocr and its language packs)"
    try:
        listed = subprocess.run(
            [binary, "--list-langs"], capture_output=True, timeout=30, check=False, env=_engine_env()
        ).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the OCR engine does not start: {exc}"
    installed = set(listed.split())
    missing = [lang for lang in settings()["required_languages"] if lang not in installed]
    if missing:
        return f"OCR language packs not installed: {', '.join(missing)} (install tesseract-ocr-<lang>)"
    return None


def require_engine() -> None:
    problem = engine_problem()
    if problem:
        raise OcrUnavailable(problem)


class DocumentReader:
    """OCR for the pages of one document: the languages chosen on its first page serve the rest."""

    def __init__(self) -> None:
        self.languages: str | None = None

    def read(self, page: PageImage) -> OcrText:
        if self.languages is not None:
            return recognise(page, self.languages)
        candidates = (
            settings()["languages_by_script"].get(script_of(page))
            or settings()["languages_by_script"][settings()["default_script"]]
        )
        best: tuple[str, OcrText] | None = None
        for languages in candidates:
            found = recognise(page, languages)
            if best is None or found.confidence > best[1].confidence:
                best = (languages, found)
            if languages == "chi_sim" and simplified_share(found.text) >= settings()["simplified_share_min"]:
                best = (languages, found)
                break
        assert best is not None
        if best[1].characters:
            self.languages = best[0]
        return best[1]


def simplified_share(text: str) -> float:
    """The share of Han characters that exist only in simplified form (OpenCC would change them)."""
    import opencc

    han = [char for char in text if "\u4e00" <= char <= "\u9fff"]
    if not han:
        return 0.0
    traditional = opencc.OpenCC("s2t").convert("".join(han))
    changed = sum(1 for a, b in zip(han, traditional, strict=False) if a != b)
    return changed / len(han)


def script_of(page: PageImage) -> str:
    """The writing system Tesseract's OSD sees on the page ('Han', 'Latin', 'Cyrillic' ...)."""
    result = _run(page, ["--psm", "0"], check=False)
    found = _SCRIPT_LINE.search(result)
    return found.group(1) if found else settings()["default_script"]


def recognise(page: PageImage, languages: str) -> OcrText:
    tsv = _run(page, ["-l", languages, "--psm", str(settings()["page_segmentation"]), "tsv"])
    return text_from_tsv(tsv)


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    unsure: bool
    left: int
    width: int
    height: int


def text_from_tsv(tsv: str) -> OcrText:
    """Lines of words as Tesseract grouped them; no space is put between two wide (CJK) characters,
    nor inside a number Tesseract cut in pieces. Near words around the characters of unsure words are
    put right (sources/ocr_words.py)."""
    lines: dict[tuple[str, str, str], list[_Word]] = {}
    weighted = 0.0
    characters = 0
    unsure_below = ocr_words.unsure_below()
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":
            continue
        word = cells[11].strip()
        if not word or word in _rule_words():
            continue
        try:
            confidence = max(0.0, float(cells[10]))
            left, width, height = int(cells[6]), int(cells[8]), int(cells[9])
        except ValueError:
            confidence, left, width, height = 0.0, 0, 0, 0
        lines.setdefault((cells[2], cells[3], cells[4]), []).append(
            _Word(word, confidence < unsure_below, left, width, height)
        )
        weighted += confidence * len(word)
        characters += len(word)
    text = "\n".join(_mended(ocr_words.put_right(*_join_words(words))) for words in lines.values())
    return OcrText(text, round(weighted / characters / 100, 4) if characters else 0.0, characters)


@cache
def _rule_words() -> frozenset[str]:
    return frozenset(settings()["table_rule_words"])


@cache
def _lookalike_bracket() -> re.Pattern[str]:
    opening = re.escape(settings()["open_bracket_lookalikes"])
    return re.compile(f"[{opening}]+([^{opening}()（）〉》】]{{0,40}})([)）])")


def _mended(line: str) -> str:
    """An opening bracket read as a lookalike, closed by a round parenthesis, becomes round too."""
    return _lookalike_bracket().sub(
        lambda m: ("(" if m.group(2) == ")" else "（") + m.group(1) + m.group(2), line
    )


def _join_words(words: list[_Word]) -> tuple[str, set[int]]:
    """The line, and the indexes of the characters of its unsure words."""
    out = ""
    unsure: set[int] = set()
    previous: _Word | None = None
    for word in words:
        if previous is not None and not (
            _wide(out[-1]) or _wide(word.text[0]) or _one_number(previous, word)
        ):
            out += " "
        if word.unsure:
            unsure.update(range(len(out), len(out) + len(word.text)))
        out += word.text
        previous = word
    return out, unsure


def _one_number(before: _Word, after: _Word) -> bool:
    """Two pieces of one number: digits after a digit group's separator (9, 323, 695. 00), or digits
    close after digits (3 5 0, as Tesseract cuts widely set digits)."""
    if not after.text[0].isdigit():
        return False
    if len(before.text) >= 2 and before.text[-1] in ",." and before.text[-2].isdigit():
        return True
    gap = after.left - (before.left + before.width)
    close = gap <= settings()["number_gap_share"] * max(before.height, after.height, 1)
    return before.text.isdigit() and close


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _run(page: PageImage, arguments: list[str], *, check: bool = True) -> str:
    require_engine()
    command = [ENGINE, "stdin", "stdout", "--dpi", str(settings()["dpi"]), *arguments]
    try:
        done = subprocess.run(
            command,
            input=page.pgm(),
            capture_output=True,
            timeout=settings()["page_timeout_seconds"],
            check=False,
            env=_engine_env(),
        )
    except subprocess.TimeoutExpired as exc:
        raise InputError(f"OCR of a page took longer than {exc.timeout:.0f} s") from exc
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"OCR failed: {message[-1] if message else f'exit {done.returncode}'}")
    return done.stdout.decode("utf-8", "replace")


def _engine_env() -> dict[str, str]:
    # one thread per Tesseract: the ingest workers already use every core
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_THREAD_LIMIT": "1", "LC_ALL": "C"}
