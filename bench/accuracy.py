"""Detection and extraction quality against a labelled evaluation set.

    python bench/accuracy.py ../shared/data/eval-dev [--misses 40] [--json out.json] [--reviews labels.jsonl]

DIR holds `docs/` (one notice per file) and `labels.jsonl` (see eval-dev/README.md). The script
runs the same pipeline as `procurewatch extract` over every file and prints:
surveillance precision/recall/F1 (all labels, confidence != low, random stratum, per language,
Chinese vs OCDS), per-category P/R/F1 and macro-F1 over categories with >= 3 examples,
exact-match accuracy of buyer, supplier set, amount (within 0.5 %, same currency), country,
province, city and notice type, the same figures for a plain keyword baseline, and every miss
with the evidence used.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procurewatch.model import SkippedInput, to_record
from procurewatch.pipeline import extract

BASELINE_TERMS = ("视频监控", "监控", "摄像", "人脸", "雪亮", "天网", "卡口", "公安")
FIELDS = ("buyer", "suppliers", "amount", "country", "province", "city", "notice_type")
CHINESE_ONLY_FIELDS = {"province", "city"}  # labelled for Chinese notices only
MIN_CATEGORY_SUPPORT = 3


@dataclass
class Case:
    file: str
    label: dict[str, Any]
    record: dict[str, Any] | None
    error: str | None = None

    @property
    def family(self) -> str:
        return "ocds" if self.file.startswith("ocds-") else "chinese"


@dataclass
class Confusion:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, predicted: bool) -> None:
        if truth and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        if p != p or r != r or p + r == 0:  # NaN or zero
            return 0.0 if (self.tp + self.fp + self.fn) else float("nan")
        return 2 * p * r / (p + r)

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class FieldScore:
    hits: int = 0
    total: int = 0
    misses: list[tuple[str, Any, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.hits / self.total if self.total else float("nan")


def load_cases(directory: Path) -> list[Case]:
    labels = [
        json.loads(line) for line in (directory / "labels.jsonl").read_text("utf-8").splitlines() if line
    ]
    records: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    docs = directory / "docs"
    for item in extract([docs / label["file"] for label in labels]):
        if isinstance(item, SkippedInput):
            errors[Path(item.path).name] = item.reason
            continue
        name = Path(item.path).name
        records.setdefault(name, to_record(item))  # one notice per file; keep the first
    return [Case(lb["file"], lb, records.get(lb["file"]), errors.get(lb["file"])) for lb in labels]


def load_review_cases(labels_file: Path) -> list[Case]:
    """Cases from `procurewatch review-export` (or any labels with `path` + `locator` of a notice's
    source): each source file (an archive for "archive.zip!member") is read again; a relative path
    from the current folder."""
    labels = [json.loads(line) for line in labels_file.read_text("utf-8").splitlines() if line.strip()]
    records: dict[tuple[str, str], dict[str, Any]] = {}
    errors: dict[str, str] = {}
    paths = sorted({lb["path"] for lb in labels})
    files = sorted({Path(p.split("!", 1)[0]) for p in paths})
    for item in extract([f for f in files if f.exists()]):
        if isinstance(item, SkippedInput):
            errors[item.path] = item.reason
        else:
            records.setdefault((str(item.path), item.locator), to_record(item))
    missing = {p: "no such file" for p in paths if not Path(p.split("!", 1)[0]).exists()}
    return [
        Case(
            f"{lb['path']}#{lb['locator']}",
            lb,
            records.get((lb["path"], lb["locator"])),
            errors.get(lb["path"]) or missing.get(lb["path"]) or "no notice at this locator",
        )
        for lb in labels
    ]


def norm_text(value: str | None) -> str | None:
    if value is None:
        return None
    return "".join(unicodedata.normalize("NFKC", value).split()).casefold() or None


def predicted(case: Case, name: str) -> Any:
    r = case.record
    if r is None:
        return None
    place = r.get("place") or {}
    match name:
        case "buyer":
            return norm_text((r.get("buyer") or {}).get("name"))
        case "suppliers":
            return sorted({norm_text(s["name"]) for s in r.get("suppliers") or [] if s.get("name")})
        case "amount":
            return r.get("amount")
        case "country" | "province" | "city":
            return place.get(name)
        case "notice_type":
            return r.get("notice_type")
    raise KeyError(name)


def expected(case: Case, name: str) -> Any:
    lb = case.label
    match name:
        case "buyer":
            return norm_text(lb.get("buyer"))
        case "suppliers":
            return sorted({norm_text(s) for s in lb.get("suppliers") or []})
        case _:
            return lb.get(name)


def same(name: str, want: Any, got: Any) -> bool:
    if name == "amount":
        if want is None or got is None:
            return want is None and got is None
        if (want.get("currency") or "").upper() != (got.get("currency") or "").upper():
            return False
        w, g = float(want["value"]), float(got["value"])
        return abs(w - g) <= 0.005 * abs(w) if w else abs(g) < 0.005
    if name == "notice_type" and want == "other":
        # eval labels fold amendment/cancellation into "other"
        return got in ("other", "amendment", "cancellation")
    return want == got


def score_fields(cases: Iterable[Case]) -> dict[str, FieldScore]:
    scores = {name: FieldScore() for name in FIELDS}
    for case in cases:
        for name in FIELDS:
            if name in CHINESE_ONLY_FIELDS and case.label.get("country") != "CN":
                continue
            want, got = expected(case, name), predicted(case, name)
            s = scores[name]
            s.total += 1
            if same(name, want, got):
                s.hits += 1
            else:
                s.misses.append((case.file, want, got))
    return scores


def model_says(case: Case) -> bool:
    return bool(case.record and case.record["surveillance"]["relevant"])


def model_categories(case: Case) -> set[str]:
    if not case.record or not case.record["surveillance"]["relevant"]:
        return set()
    return {c["id"] for c in case.record["surveillance"]["categories"]}


def baseline_says(case: Case) -> bool:
    title = (case.record or {}).get("title") or ""
    return any(term in title for term in BASELINE_TERMS)


def confusion(cases: Iterable[Case], decide: Callable[[Case], bool]) -> Confusion:
    c = Confusion()
    for case in cases:
        c.add(bool(case.label["surveillance"]), decide(case))
    return c


def category_confusions(cases: list[Case]) -> dict[str, Confusion]:
    result: dict[str, Confusion] = defaultdict(Confusion)
    for case in cases:
        truth = set(case.label.get("categories") or [])
        guess = model_categories(case)
        for cat in truth | guess:
            result[cat].add(cat in truth, cat in guess)
    return dict(result)


def fmt(x: float) -> str:
    return "  n/a" if x != x else f"{x:5.3f}"


def print_detection_table(rows: list[tuple[str, Confusion]]) -> None:
    print(
        f"{'subset':<34} {'n':>4} {'pos':>4} {'TP':>4} {'FP':>4} {'FN':>4} {'prec':>6} {'rec':>6} {'F1':>6}"
    )
    for name, c in rows:
        n = c.tp + c.fp + c.fn + c.tn
        print(
            f"{name:<34} {n:>4} {c.support:>4} {c.tp:>4} {c.fp:>4} {c.fn:>4} "
            f"{fmt(c.precision):>6} {fmt(c.recall):>6} {fmt(c.f1):>6}"
        )


def evidence_summary(case: Case) -> str:
    if not case.record:
        return f"(no record: {case.error})"
    parts = []
    for cat in case.record["surveillance"]["categories"]:
        texts = ", ".join(f"{e['field']}:{e['text']}" for e in cat["evidence"][:4])
        parts.append(f"{cat['id']}[{texts}]")
    return f"score={case.record['surveillance']['score']} " + ("; ".join(parts) or "no evidence")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path, nargs="?", help="evaluation folder with docs/ and labels.jsonl")
    ap.add_argument("--reviews", type=Path, help="also score against a 'procurewatch review-export' file")
    ap.add_argument("--misses", type=int, default=1000, help="how many misses to list per section")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    if args.dir is None and args.reviews is None:
        ap.error("give DIR, --reviews FILE or both")
    if args.dir and not (args.dir / "labels.jsonl").is_file():
        print(f"error: {args.dir}/labels.jsonl not found", file=sys.stderr)
        return 2
    if args.reviews and not args.reviews.is_file():
        print(f"error: {args.reviews} not found", file=sys.stderr)
        return 2

    started = time.perf_counter()
    cases = load_cases(args.dir) if args.dir else []
    cases += load_review_cases(args.reviews) if args.reviews else []
    seconds = time.perf_counter() - started
    unread = [c for c in cases if c.record is None]
    print(
        f"{len(cases)} labelled files, {len(cases) - len(unread)} read, {len(unread)} unread, {seconds:.1f} s"
    )
    for c in unread:
        print(f"  unread {c.file}: {c.error}")

    print("\n## Surveillance detection")
    rows = [
        ("model: all", confusion(cases, model_says)),
        (
            "model: confidence != low",
            confusion([c for c in cases if c.label["confidence"] != "low"], model_says),
        ),
        (
            "model: stratum random",
            confusion([c for c in cases if c.label["stratum"] == "random"], model_says),
        ),
        ("model: chinese", confusion([c for c in cases if c.family == "chinese"], model_says)),
        ("model: ocds", confusion([c for c in cases if c.family == "ocds"], model_says)),
    ]
    for lang in sorted({c.label["lang"] for c in cases}):
        rows.append(
            (f"model: lang={lang}", confusion([c for c in cases if c.label["lang"] == lang], model_says))
        )
    rows += [
        ("baseline (title keywords): all", confusion(cases, baseline_says)),
        ("baseline: chinese", confusion([c for c in cases if c.family == "chinese"], baseline_says)),
        ("baseline: ocds", confusion([c for c in cases if c.family == "ocds"], baseline_says)),
    ]
    print_detection_table(rows)

    print("\n## Categories (model; a category counts only on notices the model calls surveillance)")
    cats = category_confusions(cases)
    print_detection_table(sorted(cats.items(), key=lambda kv: (-kv[1].support, kv[0])))
    eligible = [c.f1 for c in cats.values() if c.support >= MIN_CATEGORY_SUPPORT]
    macro = sum(eligible) / len(eligible) if eligible else float("nan")
    print(f"macro-F1 over {len(eligible)} categories with >= {MIN_CATEGORY_SUPPORT} examples: {fmt(macro)}")

    print(
        "\n## Extraction (exact match; amount within 0.5 % and same currency; province/city on Chinese notices)"
    )
    families = {
        "all": cases,
        "chinese": [c for c in cases if c.family == "chinese"],
        "ocds": [c for c in cases if c.family == "ocds"],
    }
    field_scores = {name: score_fields(group) for name, group in families.items()}
    print(f"{'field':<12}" + "".join(f"{name:>18}" for name in families))
    for f_name in FIELDS:
        cells = []
        for fam in families:
            s = field_scores[fam][f_name]
            cells.append(f"{fmt(s.accuracy)} ({s.hits}/{s.total})" if s.total else "n/a")
        print(f"{f_name:<12}" + "".join(f"{cell:>18}" for cell in cells))

    print("\n## Misses: surveillance")
    shown = 0
    for case in cases:
        truth, guess = bool(case.label["surveillance"]), model_says(case)
        if truth != guess and shown < args.misses:
            shown += 1
            kind = "FN" if truth else "FP"
            title = ((case.record or {}).get("title") or "")[:70]
            print(f"  {kind} {case.file} [{case.label['confidence']}] {title}")
            print(f"      label: {case.label['basis'][:160]}")
            print(f"      model: {evidence_summary(case)[:300]}")

    print("\n## Misses: categories (on notices both call surveillance)")
    shown = 0
    for case in cases:
        truth = set(case.label.get("categories") or [])
        guess = model_categories(case)
        if case.label["surveillance"] and model_says(case) and truth != guess and shown < args.misses:
            shown += 1
            print(f"  {case.file}: label {sorted(truth)} model {sorted(guess)}")

    print("\n## Misses: fields")
    for f_name in FIELDS:
        misses = field_scores["all"][f_name].misses
        if misses:
            print(f"  {f_name} ({len(misses)}):")
            for file, want, got in misses[: args.misses]:
                print(f"      {file}: want {want!r} got {got!r}")

    if args.json:
        figures = {
            "detection": {
                name: {"precision": c.precision, "recall": c.recall, "f1": c.f1, "support": c.support}
                for name, c in rows
            },
            "categories": {
                k: {"precision": v.precision, "recall": v.recall, "f1": v.f1, "support": v.support}
                for k, v in cats.items()
            },
            "category_macro_f1": macro,
            "fields": {fam: {k: v.accuracy for k, v in sc.items()} for fam, sc in field_scores.items()},
        }
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), "utf-8")
    counts = Counter("read" if c.record else "unread" for c in cases)
    print(f"\n{counts['read']} read, {counts['unread']} unread")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
