"""One release for a record: its compiledRelease, the latest values of its versionedRelease, or a merge.

ocdsmerge is used with merge rules shipped as package data (`data/ocds/merge_rules.json`): its
default downloads the release schema at run time, which this project never does.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from procurewatch.sources.ocds_data import load

if TYPE_CHECKING:
    import ocdsmerge

VERSION_KEYS = frozenset({"releaseDate", "releaseID", "value"})


@cache
def _merger() -> ocdsmerge.Merger:
    import ocdsmerge  # only records without a compiled release need it; it loads requests (~9 MB)

    raw = load("merge_rules.json")
    rules = {tuple(path): "omitWhenMerged" for path in raw["omitWhenMerged"]}
    rules.update({tuple(path): "wholeListMerge" for path in raw["wholeListMerge"]})
    return ocdsmerge.Merger(merge_rules=rules)


def latest_values(versioned: Any) -> Any:
    """A versioned release with each field's history replaced by its latest value."""
    if isinstance(versioned, dict):
        return {key: latest_values(value) for key, value in versioned.items()}
    if isinstance(versioned, list):
        if versioned and all(isinstance(v, dict) and v.keys() >= VERSION_KEYS for v in versioned):
            return latest_values(versioned[-1]["value"])
        return [latest_values(v) for v in versioned]
    return versioned


def _is_full_release(release: Any) -> bool:
    """True for an embedded release; False for a linked release (url/date/tag only)."""
    return isinstance(release, dict) and bool(release.keys() - {"url", "date", "tag", "name", "id", "ocid"})


def merge_releases(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """Compiled release of embedded releases: latest value wins, in date order."""
    if len(releases) == 1:
        return releases[0]
    from ocdsmerge.exceptions import OCDSMergeError

    dated = sorted(releases, key=lambda r: r.get("date") if isinstance(r.get("date"), str) else "")
    try:
        compiled = _merger().create_compiled_release(dated)
    except (OCDSMergeError, TypeError, KeyError, AttributeError):
        return dated[-1]
    latest = dated[-1]
    for key in ("id", "date", "tag"):  # keep the facts of the release the figures come from
        if key in latest:
            compiled[key] = latest[key]
    return compiled


def compile_record(record: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """(one release standing for the record, how it was obtained)."""
    compiled = record.get("compiledRelease")
    if isinstance(compiled, dict) and compiled:
        return compiled, "compiledRelease"
    versioned = record.get("versionedRelease")
    if isinstance(versioned, dict) and versioned:
        return latest_values(versioned), "versionedRelease"
    releases = [r for r in record.get("releases") or [] if _is_full_release(r)]
    if releases:
        return merge_releases(releases), "merged"
    return {"ocid": record.get("ocid")} if record.get("ocid") else {}, "linked releases only"
