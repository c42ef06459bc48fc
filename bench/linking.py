"""Benchmark linking: speed on a large store, and link precision/recall on a constructed set.

    python3 bench/linking.py [--n 200000] [--eval 1000] [--workdir /tmp/pw-bench-linking]

1. Speed: builds a corpus of N notices from the Chinese records in ../shared/data/bulk, replicated with
   other places, dates and batch numbers (so replicas are distinct purchases), ingests it with the real
   `ingest`, and prints notices/s for storing and for linking, and linking time as a share of ingest.
2. Quality: takes real notices with distinct titles and, for each, writes (a) a re-post on another
   portal with changed boilerplate (whitespace, header and footer, portal name) and (b) a correction
   notice (更正公告) repeating the tender with small edits. Ingests originals and constructed notices
   into a fresh store and prints pair precision and recall of the links against the known groups.

Targets (issue 5): linking adds at most 30% to ingest time; link precision >= 0.98.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import random
import re
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

import duckdb
from rich.console import Console

from procurewatch.ingest.runner import run_ingest
from procurewatch.link.keys import normalise_text, title_key

BULK = Path(__file__).resolve().parents[2] / "shared" / "data" / "bulk"
FILES = {
    "cn-yichang-ggzy-coomaso/parsed.jsonl": ("raw_data", "title"),
    "cn-yichang-ggzy-coomaso/hx_parsed.jsonl": ("raw_data", "title"),
    "cn-telecom-operator-notices/mobile-notices.jsonl": (None, "title"),
    "cn-telecom-operator-notices/telecom-notices.jsonl": (None, "title"),
    "cn-telecom-operator-notices/tower-notices.jsonl": (None, "title"),
    "cn-telecom-operator-notices/unicom-notices.jsonl": (None, "title"),
}
PLACES = [
    "十堰市",
    "襄阳市",
    "荆州市",
    "黄冈市",
    "孝感市",
    "咸宁市",
    "随州市",
    "恩施州",
    "赣州市",
    "九江市",
    "上饶市",
    "吉安市",
    "温州市",
    "台州市",
    "丽水市",
    "衢州市",
    "泉州市",
    "漳州市",
    "莆田市",
    "南平市",
    "三明市",
    "龙岩市",
    "宁德市",
    "绍兴市",
    "湖州市",
    "嘉兴市",
    "宜春市",
    "抚州市",
    "萍乡市",
    "鹰潭市",
]
PORTALS = [
    "中国政府采购网",
    "湖北省公共资源交易网",
    "宜昌市公共资源交易中心",
    "中国招标投标公共服务平台",
    "采招网",
]
DATE = re.compile(r"(20\d\d)-(\d\d)-(\d\d)")


def load_records() -> list[tuple[str, dict]]:
    out = []
    for name in FILES:
        for line in (BULK / name).read_text("utf-8").splitlines():
            if line.strip():
                out.append((name, json.loads(line)))
    return out


def get_title(name: str, rec: dict) -> str:
    parent, key = FILES[name]
    holder = rec.get(parent, {}) if parent else rec
    return str(holder.get(key) or "")


def set_title(name: str, rec: dict, title: str) -> None:
    parent, key = FILES[name]
    (rec.setdefault(parent, {}) if parent else rec)[key] = title


def replica(name: str, rec: dict, n: int) -> dict:
    """Another purchase of the same shape: other place, dates shifted by years, batch number in the title."""
    place = PLACES[n % len(PLACES)]
    shift = n // len(PLACES) % 8 + 1
    text = json.dumps(rec, ensure_ascii=False)
    text = DATE.sub(lambda m: f"{int(m[1]) - shift}-{m[2]}-{m[3]}", text)
    new = json.loads(text)
    set_title(name, new, f"{place}{get_title(name, new)}（第{n}批）")
    for holder in (new, new.get("parsed_data") or {}):
        for key, value in holder.items():
            if isinstance(value, str) and ("编号" in key or "code" in key.lower()):
                holder[key] = f"{value}-R{n}"
    return new


def build_corpus(records: list[tuple[str, dict]], n: int, folder: Path) -> None:
    folder.mkdir(parents=True)
    handles = {name: (folder / name.replace("/", "__")).open("w", encoding="utf-8") for name in FILES}
    written = 0
    for copy in itertools.count():
        for name, rec in records:
            if written >= n:
                break
            out = rec if copy == 0 else replica(name, rec, copy * 7919 + written)
            handles[name].write(json.dumps(out, ensure_ascii=False) + "\n")
            written += 1
        if written >= n:
            break
    for h in handles.values():
        h.close()


def speed(records: list[tuple[str, dict]], n: int, work: Path) -> None:
    corpus = work / "corpus"
    build_corpus(records, n, corpus)
    db = work / "speed.duckdb"
    load_before = os.getloadavg()[0]
    summary = run_ingest([corpus], db, field_map={}, batch_size=2000, console=Console(file=io.StringIO()))
    ingest_s = summary.store_seconds
    print(
        f"speed: {summary.notices_seen:,} notices; ingest (read, understand, detect, store) {ingest_s:.1f} s "
        f"= {summary.notices_seen / ingest_s:,.0f} notices/s"
    )
    print(
        f"speed: linking {summary.link_seconds:.1f} s = "
        f"{summary.linked / max(summary.link_seconds, 1e-9):,.0f} "
        f"notices/s; linking adds {summary.link_seconds / ingest_s:.0%} to ingest time (target <= 30%)"
    )
    con = duckdb.connect(str(db), read_only=True)
    reasons = con.execute("SELECT reason, count(*) FROM notice_links GROUP BY 1 ORDER BY 2 DESC").fetchall()
    (procs,) = con.execute("SELECT count(*) FROM procurements").fetchone()
    con.close()
    print(f"speed: {procs:,} procurements; links by reason: {dict(reasons)}")
    print(
        f"speed: 1-minute load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, "
        f"on {os.cpu_count()} CPUs (other processes slow both figures; repeat when loaded)"
    )


def repost(name: str, rec: dict, rng: random.Random) -> dict:
    """The same notice on another portal: other whitespace, header/footer and portal name."""
    new = json.loads(json.dumps(rec, ensure_ascii=False))
    portal = rng.choice(PORTALS)

    def touch(value: object) -> object:
        if isinstance(value, str) and len(value) > 20:
            return "  " + value.replace("，", "， ").replace("。", "。\n") + "  "
        if isinstance(value, dict):
            return {k: touch(v) for k, v in value.items()}
        return value

    new = touch(new)
    assert isinstance(new, dict)
    set_title(name, new, get_title(name, rec))  # titles are carried over as published
    new["来源"] = f"{portal} 发布时间见正文"
    new["页脚"] = f"版权所有 {portal} | 网站地图 | 联系我们"
    return new


def correction(name: str, rec: dict, rng: random.Random) -> dict:
    """A correction notice repeating the tender with small edits."""
    new = json.loads(json.dumps(rec, ensure_ascii=False))
    text = json.dumps(new, ensure_ascii=False)
    dates = DATE.findall(text)
    if dates:
        y, m, d = dates[-1]
        text = text.replace(f"{y}-{m}-{d}", f"{y}-{m}-{min(int(d) + 3, 28):02d}", 1)
    new = json.loads(text)
    set_title(name, new, f"关于{get_title(name, rec)}的更正公告")
    new["更正内容"] = "原公告中投标截止时间及开标时间顺延三个工作日，其他内容不变。"
    return new


def quality(records: list[tuple[str, dict]], k: int, work: Path, seed: int = 5) -> None:
    rng = random.Random(seed)
    seen: set[str] = set()
    chosen = []
    for name, rec in rng.sample(records, len(records)):
        key = title_key(get_title(name, rec))
        body = normalise_text(json.dumps(rec, ensure_ascii=False))
        if len(key) < 8 or key in seen or len(body) < 80:
            continue
        seen.add(key)
        chosen.append((name, rec))
        if len(chosen) >= k:
            break
    folder = work / "eval"
    parts = {"originals": [], "reposts": [], "corrections": []}
    for name, rec in chosen:
        parts["originals"].append(rec)
        parts["reposts"].append(repost(name, rec, rng))
        parts["corrections"].append(correction(name, rec, rng))
    for part, rows in parts.items():
        (folder / part).mkdir(parents=True)
        (folder / part / "notices.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    db = work / "eval.duckdb"
    run_ingest([folder], db, field_map={}, batch_size=2000, console=Console(file=io.StringIO()))
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT n.path, n.locator, l.procurement_id FROM notices n JOIN notice_links l ON l.notice_id = n.id"
    ).fetchall()
    con.close()
    group_of = {}
    proc_of = {}
    for path, locator, pid in rows:
        part = Path(path).parent.name
        index = int(locator or 0)
        group_of[(part, index)] = index
        proc_of[(part, index)] = pid
    truth = _pairs(group_of)
    found = _pairs(proc_of)
    tp = len(truth & found)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    print(
        f"quality: {len(chosen):,} real notices + {len(chosen):,} re-posts + {len(chosen):,} corrections "
        f"({len(rows):,} stored)"
    )
    print(
        f"quality: pair precision {precision:.4f} (target >= 0.98), recall {recall:.4f} "
        f"({tp:,} of {len(truth):,} true pairs found, {len(found) - tp:,} false pairs)"
    )
    _recall_by_kind(group_of, proc_of)


def _pairs(assign: dict[tuple[str, int], object]) -> set[tuple]:
    groups: dict[object, list] = defaultdict(list)
    for member, g in assign.items():
        groups[g].append(member)
    return {
        tuple(sorted(p)) for members in groups.values() for p in itertools.combinations(sorted(members), 2)
    }


def _recall_by_kind(group_of: dict, proc_of: dict) -> None:
    for part in ("reposts", "corrections"):
        keys = [k for k in group_of if k[0] == part and ("originals", k[1]) in proc_of]
        hit = sum(proc_of[k] == proc_of[("originals", k[1])] for k in keys)
        print(f"quality: {part} linked to their original: {hit:,} of {len(keys):,}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--eval", type=int, default=1000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/pw-bench-linking"))
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args()
    if not BULK.is_dir():
        sys.exit(f"needs {BULK}")
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    records = load_records()
    started = time.perf_counter()
    quality(records, args.eval, args.workdir)
    if not args.skip_speed:
        speed(records, args.n, args.workdir)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
