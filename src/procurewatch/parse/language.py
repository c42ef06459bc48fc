"""Language of a notice: the source's declaration, else Han ratio (Chinese), else py3langid."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import cache
from typing import Any

# Languages procurement data of interest is written in; py3langid chooses among these only.
LANGUAGES = (
    "zh", "en", "es", "pt", "fr", "ru", "uk", "ro", "hy", "ka",
    "de", "it", "nl", "pl", "ar", "id", "vi", "tr", "ko", "ja",
)  # fmt: skip
_SAMPLE = 600
_TITLE_ENOUGH = 8
_HAN_SHARE = 0.3
_LETTER = re.compile(r"[^\W\d_]")
# runs, not single characters: one match per word instead of one per character
_LETTERS = re.compile(r"[^\W\d_]+")
_HANS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


@cache
def _identifier() -> Any:
    """py3langid's model cut down to LANGUAGES. `set_languages` would keep the whole model beside the
    cut (its 142-language feature table is 27 MB of every worker process's memory); a model built from
    the cut alone classifies the same."""
    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    full = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    keep = [i for i, code in enumerate(full.nb_classes) if code in LANGUAGES]
    return LanguageIdentifier(
        np.ascontiguousarray(full.nb_ptc[:, keep]),
        full.nb_pc[keep],
        [full.nb_classes[i] for i in keep],
        full.tk_nextmove,
        full.tk_output,
        norm_probs=False,
        tk_row=full.tk_row,
    )


def _han_ratio(text: str) -> float:
    letters = sum(map(len, _LETTERS.findall(text)))
    return sum(map(len, _HANS.findall(text))) / letters if letters else 0.0


_SHARE_NUMERATOR, _SHARE_DENOMINATOR = Fraction(str(_HAN_SHARE)).as_integer_ratio()


def _han_enough(text: str) -> bool:
    """_han_ratio(text) >= _HAN_SHARE. Every Han character is a letter, so when the Han characters alone
    make that share of the whole text they make at least that share of its letters: the letters need not
    be counted (a Chinese title)."""
    hans = sum(map(len, _HANS.findall(text)))
    if hans and hans * _SHARE_DENOMINATOR >= _SHARE_NUMERATOR * len(text):
        return True
    return _han_ratio(text) >= _HAN_SHARE


def detect_language(title: str, body: str, hint: str | None = None) -> str | None:
    """ISO 639-1 code (zh for Chinese), or None for text without letters."""
    if hint:
        return str(hint).strip().lower().split("-")[0].split("_")[0] or None
    if len(title) >= _TITLE_ENOUGH and _han_enough(title):
        return "zh"  # a Chinese title decides; the body need not be read
    sample = f"{title}\n{body[:_SAMPLE]}"
    if not _LETTER.search(sample):
        return None
    if _han_enough(sample):
        return "zh"
    lang, _ = _identifier().classify(sample)
    return str(lang)
