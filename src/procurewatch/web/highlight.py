"""Text cut into segments for templates: marked or not, always escaped by the template.

Highlighting never builds HTML: it returns (text, labels) pairs, and the template wraps the
marked ones in <mark> with autoescaping on, so hostile notice text stays text.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field


@dataclass(slots=True)
class Segment:
    text: str
    labels: list[str] = field(default_factory=list)

    @property
    def marked(self) -> bool:
        return bool(self.labels)


@dataclass(slots=True)
class Span:
    start: int
    end: int
    label: str


def segments(text: str, spans: list[Span]) -> list[Segment]:
    """Cut `text` at every span boundary; each piece carries the labels of the spans over it."""
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    if not valid:
        return [Segment(text)] if text else []
    cuts = sorted({0, len(text), *(s.start for s in valid), *(s.end for s in valid)})
    out: list[Segment] = []
    for a, b in itertools.pairwise(cuts):
        labels = sorted({s.label for s in valid if s.start <= a and b <= s.end})
        if out and out[-1].labels == labels:
            out[-1].text += text[a:b]
        else:
            out.append(Segment(text[a:b], labels))
    return out


def term_spans(text: str, terms: list[str], label: str = "hit") -> list[Span]:
    """Where any of `terms` occurs in `text`, case-insensitively."""
    if not text or not terms:
        return []
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    return [Span(m.start(), m.end(), label) for m in pattern.finditer(text)]


def snippet(text: str, terms: list[str], width: int = 160) -> list[Segment]:
    """A window of `text` around the first query term, with every term in it marked."""
    text = text or ""
    spans = term_spans(text, terms)
    start = max(0, spans[0].start - width // 3) if spans else 0
    end = min(len(text), start + width)
    window = text[start:end]
    shifted = [
        Span(s.start - start, s.end - start, s.label) for s in spans if s.start >= start and s.end <= end
    ]
    out = segments(window, shifted)
    if start > 0:
        out.insert(0, Segment("…"))
    if end < len(text):
        out.append(Segment("…"))
    return out
