"""Language of a notice: the source's declaration, else Han ratio (Chinese), else py3langid."""

from __future__ import annotations

from functools import cache
from typing import Any

# Languages procurement data of interest is written in; py3langid chooses among these only.
LANGUAGES = (
    "zh", "en", "es", "pt", "fr", "ru", "uk", "ro", "hy", "ka", "de", "it", "nl", "pl", "ar", "id", "vi", "tr", "ko", "ja",
)  # fmt: skip
_SAMPLE = 600


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def _han_ratio(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf") / len(letters)


def detect_language(title: str, body: str, hint: str | None = None) -> str | None:
    """ISO 639-1 code (zh for Chinese), or None for text without letters."""
    if hint:
        return str(hint).strip().lower().split("-")[0].split("_")[0] or None
    sample = f"{title}\n{body[:_SAMPLE]}"
    if not any(c.isalpha() for c in sample):
        return None
    if _han_ratio(sample) >= 0.3:
        return "zh"
    lang, _ = _identifier().classify(sample)
    return str(lang)
