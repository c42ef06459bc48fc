"""content_fingerprint: the notice text without whitespace, lower-cased, hashed; ASCII text by bytes."""

from __future__ import annotations

import hashlib
import random

from procurewatch.model import content_fingerprint


def _by_definition(title: str, body: str, attachments: str) -> str:
    normalised = "".join(f"{title}\x1f{body}\x1f{attachments}".split()).lower()
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=12).hexdigest()


def test_fingerprint_of_ascii_and_other_text_follows_its_definition():
    rnd = random.Random(11)
    alphabet = [chr(c) for c in range(128)] + ["中", "\u3000", "\xa0", "Ä", "İ", "\u2028", "\x85"]
    for ascii_only in (True, False):
        chars = alphabet[:128] if ascii_only else alphabet
        for _ in range(300):
            parts = ["".join(rnd.choice(chars) for _ in range(rnd.randint(0, 60))) for _ in range(3)]
            assert content_fingerprint(*parts) == _by_definition(*parts), parts


def test_other_spacing_and_case_give_the_same_fingerprint():
    assert content_fingerprint("CCTV Cameras", "Supply of\n  cameras\t") == content_fingerprint(
        "cctvcameras", "supplyof cameras"
    )
