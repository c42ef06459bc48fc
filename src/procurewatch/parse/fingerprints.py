"""content_fingerprint of a batch's documents, the texts that need str's rules told by one table lookup."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache
from itertools import accumulate

import numpy as np

from procurewatch.model import _ASCII_WHITESPACE, Document, content_fingerprint


@cache
def _needs_str() -> np.ndarray:
    """Each BMP character that the bytes form of content_fingerprint would get wrong: one that str.lower
    changes (its UTF-8 bytes are not lowered by bytes.lower), whitespace beyond ASCII (str.split drops it,
    bytes.translate does not), a surrogate (not UTF-8). ASCII is lowered and stripped alike by bytes."""
    chars = map(chr, range(0x10000))
    table = np.array([c != c.lower() or c.isspace() for c in chars], dtype=np.uint8)
    table[:0x80] = 0
    table[0xD800:0xE000] = 1
    return table


def content_fingerprints(docs: Sequence[Document]) -> list[str | Exception]:
    """content_fingerprint(doc.title, doc.body, doc.attachments) of each document, or the exception it
    raised. A text none of whose characters `_needs_str` flags is hashed from its UTF-8 bytes with ASCII
    whitespace deleted and ASCII letters lowered, which is what splitting, joining and lowering the string
    make of it, without a string per word and a lowering that looks up every Han character."""
    if not docs:
        return []
    texts = [f"{doc.title}\x1f{doc.body}\x1f{doc.attachments}" for doc in docs]
    joined = "".join(texts)
    units = np.frombuffer(joined.encode("utf-16-le", "surrogatepass"), dtype="<u2")
    if len(units) == len(joined):
        starts = np.array([0, *accumulate(map(len, texts[:-1]))], dtype=np.int64)
        needs = _needs_str().take(units)
        any_flagged = np.maximum.reduceat(needs, starts).tolist()  # each text holds two separators
    else:  # a character beyond the BMP is two code units: each text the string way
        any_flagged = [1] * len(texts)
    made: list[str | Exception] = []
    for text, doc, needs_str in zip(texts, docs, any_flagged, strict=True):
        if not needs_str:
            normalised = text.encode("utf-8").translate(None, _ASCII_WHITESPACE).lower()
            made.append(hashlib.blake2b(normalised, digest_size=12).hexdigest())
            continue
        try:
            made.append(content_fingerprint(doc.title, doc.body, doc.attachments))
        except Exception as exc:
            made.append(exc)
    return made
