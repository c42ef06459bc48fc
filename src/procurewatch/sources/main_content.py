"""The notice body of a portal page, without its chrome (navigation, breadcrumbs, print/close buttons,
related-notice lists, footers).

Two passes, both conservative: an element is dropped only when its tag or class/id names it chrome, or it
is a list of links, and it holds neither the notice's title, nor a known content container, nor a large
share of the page's text; then lines of the text that are chrome by their words are dropped. If less than
a small share of the text would be left, the page is kept whole. What is kept is the Document's body, so
evidence offsets (into the stored body) stay exact.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

import lxml.html

from procurewatch import knowledge

_SEGMENTS = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPACES = re.compile(r"\s+")
_LIST_TAGS = frozenset(("ul", "ol", "div", "table", "dl", "p", "section", "td", "tr", "span"))
_CANDIDATES = ".//nav | .//footer | .//aside | .//*[@class or @id] | .//a/ancestor::*"
# a class name is read only on blocks: the rows and cells of a table are content (class="tableHeader")
_NAMED_TAGS = frozenset(
    ("div", "section", "ul", "ol", "dl", "p", "span", "form", "table", "header", "center")
)


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = knowledge.load_json("html_chrome.json")
    return data


@cache
def _content_names() -> frozenset[str]:
    return frozenset(name.lower() for name in _data()["content_names"])


def _limits() -> dict[str, float]:
    return _data()["limits"]  # type: ignore[no-any-return]


def _names(el: lxml.html.HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _is_content(names: str) -> bool:
    return any(name.lower() in _content_names() for name in names.split())


@lru_cache(maxsize=4096)
def _is_chrome_name(names: str) -> bool:
    segments, substrings = _chrome_segments(), _data()["chrome_name_substrings"]
    for name in names.split():
        lowered = name.lower()
        parts = _SEGMENTS.split(_CAMEL.sub("_", name).lower())
        if any(part in segments for part in parts) or any(s in lowered for s in substrings):
            return True
    return False


@cache
def _chrome_segments() -> frozenset[str]:
    return frozenset(_data()["chrome_name_segments"])


def _squeezed_length(el: lxml.html.HtmlElement) -> int:
    return len("".join(el.text_content().split()))


def _link_shares(el: lxml.html.HtmlElement) -> tuple[int, int]:
    """(links to other pages, length of their text). Attachments are the notice's own and do not count."""
    suffixes = tuple(_data()["attachment_suffixes"])
    links = [a for a in el.iter("a") if not (a.get("href") or "").lower().split("?")[0].endswith(suffixes)]
    return len(links), sum(_squeezed_length(a) for a in links)


def drop_chrome(body: lxml.html.HtmlElement, title: str = "") -> None:
    """Remove chrome elements from a parsed page body, in place."""
    limits = _limits()
    # only elements that can be chrome are visited (selected in C by XPath, in document order)
    candidates = body.xpath(_CANDIDATES)  # held: the proxies' ids stay valid below
    link_counts: dict[int, int] = {}
    for a in body.iter("a"):
        for ancestor in a.iterancestors():
            link_counts[id(ancestor)] = link_counts.get(id(ancestor), 0) + 1
    link_blocks = {key for key, count in link_counts.items() if count >= limits["min_links"]}
    if not candidates:
        return
    total = _squeezed_length(body)
    if not total:
        return
    title_key = _SPACES.sub("", title)
    named_candidates = [(el, _names(el)) for el in candidates]
    protected: set[int] = set()
    for el, names in named_candidates:
        if names != " " and _is_content(names):
            protected.update(id(a) for a in el.iterancestors())
            protected.add(id(el))
    chrome_tags = frozenset(_data()["chrome_tags"])
    doomed: list[tuple[lxml.html.HtmlElement, int]] = []
    doomed_ids: set[int] = set()
    for el, names in named_candidates:
        if el is body or id(el) in protected:
            continue
        named = el.tag in chrome_tags or (el.tag in _NAMED_TAGS and names != " " and _is_chrome_name(names))
        if not named and (el.tag not in _LIST_TAGS or id(el) not in link_blocks):
            continue
        if doomed_ids and any(id(a) in doomed_ids for a in el.iterancestors()):
            continue
        length = _squeezed_length(el)
        if length > total * limits["max_drop_share"]:
            continue
        if not named:
            links, linked = _link_shares(el)
            if links < limits["min_links"] or linked < length * limits["link_density"]:
                continue
        if title_key and length:
            text = _SPACES.sub("", el.text_content())
            if title_key in text or (len(text) >= 6 and text in title_key):
                continue  # the notice's heading sits in a "header" block on many portals
        doomed.append((el, length))
        doomed_ids.add(id(el))
    if total - sum(length for _, length in doomed) < total * limits["keep_at_least"]:
        return
    for el, _ in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def drop_chrome_lines(text: str, site_names: frozenset[str] = frozenset()) -> str:
    """Remove lines that are chrome by their words: buttons, breadcrumbs, the site's own name and
    credits, and a related-notices list at the end."""
    lines = text.split("\n")
    kept = [cleaned for line in lines if (cleaned := _clean_line(line, site_names))]
    kept = _without_site_name(kept)
    kept = _without_related_tail(kept)
    before, after = len(text), sum(len(line) for line in kept)
    if before and after < before * _limits()["keep_at_least"]:
        return text
    return "\n".join(kept)


@cache
def _tokens() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(t) for t in sorted(_data()["chrome_tokens"], key=len, reverse=True)))


@cache
def _chrome_lines() -> frozenset[str]:
    return frozenset(_data()["chrome_lines"])


def _clean_line(line: str, site_names: frozenset[str]) -> str:
    data = _data()
    line = _SPACES.sub(" ", _tokens().sub(" ", line)).strip()
    squeezed = line.replace(" ", "")
    if not line or squeezed in _chrome_lines() or line in site_names:
        return ""
    if len(line) <= _limits()["breadcrumb_max"] and _is_breadcrumb(squeezed):
        return ""
    if len(line) <= _limits()["site_line_max"] and squeezed.startswith(tuple(data["site_lines_start"])):
        return ""
    return line


def _is_breadcrumb(squeezed: str) -> bool:
    data = _data()
    if squeezed.startswith(tuple(data["breadcrumb_starts"])):
        return True
    for home in data["breadcrumb_home"]:
        if squeezed.startswith(home):
            rest = squeezed[len(home) :]
            return rest.startswith(tuple(data["breadcrumb_separators"])) or rest == ""
    return False


def _without_site_name(lines: list[str]) -> list[str]:
    """A portal's own name printed above a saved notice (新疆建设工程招标投标网)."""
    endings, words = tuple(_data()["site_name_endings"]), _data()["site_name_words"]
    first = int(_limits()["site_name_lines"])
    return [
        line
        for i, line in enumerate(lines)
        if not (
            i < first
            and len(line) <= _limits()["site_name_max"]
            and line.endswith(endings)
            and any(word in line for word in words)
            and not any(mark in line for mark in ("：", ":", " "))
        )
    ]


def _without_related_tail(lines: list[str]) -> list[str]:
    headings = set(_data()["related_headings"])
    total = sum(len(line) for line in lines)
    for i, line in enumerate(lines):
        if line.replace(" ", "") not in headings:
            continue
        tail = lines[i + 1 :]
        if sum(len(t) for t in tail) <= total * _limits()["related_tail_share"] and all(
            len(t) <= _limits()["related_line_max"] for t in tail
        ):
            return lines[:i]
    return lines
