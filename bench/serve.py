"""Explorer latency on a large store: search with facets, dashboard, procurement page, start time.

    python3 bench/serve.py [--notices 1000000] [--work bench/out/serve] [--requests 40]

1. Ingests the Chinese families of ../shared/data/bulk (and a few OCDS folders) into a seed
   store with the real pipeline, once (kept in --work).
2. Replicates the seed rows with DuckDB SQL up to --notices, varying dates, provinces,
   prefectures and amounts (ids get a replica suffix; findings, evidence, parties, amounts
   and vendor mentions follow their notice).
3. Builds the full-text index, starts `procurewatch serve` and times it until it answers.
4. Builds the organisations (entities/build.py, as ingest does after linking), timed.
5. Prints p50/p95 of each request kind. Targets: search p95 ≤ 150 ms, dashboard ≤ 300 ms,
   procurement page ≤ 50 ms, /suppliers and an organisation page ≤ 300 ms, start < 3 s.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx

from procurewatch.entities.build import build_organisations
from procurewatch.search.index import index_dir_for, index_is_current, rebuild_index, sync_index
from procurewatch.store.db import open_store

REPO = Path(__file__).resolve().parents[1]
BULK = Path(os.environ.get("PROCUREWATCH_SHARED", REPO.parent / "shared")) / "data" / "bulk"
SEED_INPUTS = ["cn-yichang-ggzy-coomaso", "cn-telecom-operator-notices", "ocds-prozorro-ocds-api-client"]
PROVINCES = [
    ("湖北省", "420000", "武汉市", "420100"),
    ("湖北省", "420000", "宜昌市", "420500"),
    ("广东省", "440000", "深圳市", "440300"),
    ("广东省", "440000", "广州市", "440100"),
    ("江西省", "360000", "南昌市", "360100"),
    ("新疆维吾尔自治区", "650000", "乌鲁木齐市", "650100"),
    ("浙江省", "330000", "杭州市", "330100"),
    ("四川省", "510000", "成都市", "510100"),
    ("河南省", "410000", "郑州市", "410100"),
    ("山东省", "370000", "济南市", "370100"),
    ("安徽省", "340000", "合肥市", "340100"),
    ("云南省", "530000", "昆明市", "530100"),
]
SEARCH_TERMS = [
    "人脸", "卡口", "监控", "视频", "识别", "声纹", "门禁", "公安", "平台", "数据",
    "网络", "安装", "维护", "系统", "设备", "服务", "工程", "摄像", "智能", "信息",
]  # fmt: skip


def build_seed(seed: Path) -> None:
    if seed.exists():
        return
    from procurewatch.ingest.runner import run_ingest

    paths = [BULK / name for name in SEED_INPUTS if (BULK / name).exists()]
    if not paths:
        sys.exit(f"no bulk data under {BULK}")
    start = time.perf_counter()
    run_ingest(paths, seed, batch_size=2000)
    print(f"seed store: ingested {', '.join(p.name for p in paths)} in {time.perf_counter() - start:.1f} s")


def replicate(seed: Path, db: Path, target: int) -> None:
    if db.exists():
        db.unlink()
    open_store(db).close()
    open_store(seed).close()  # a seed kept from an older version gets the columns added since
    con = duckdb.connect(str(db))
    con.execute(f"ATTACH '{seed}' AS seed (READ_ONLY)")
    (seed_count,) = con.execute("SELECT count(*) FROM seed.notices").fetchall()[0]
    copies = -(-target // seed_count)
    con.execute(
        "CREATE TEMP TABLE places AS SELECT * FROM (VALUES "
        + ", ".join(f"({i}, '{p}', '{pc}', '{c}', '{cc}')" for i, (p, pc, c, cc) in enumerate(PROVINCES))
        + ") t(k, province, pcode, city, ccode)"
    )
    con.execute(f"CREATE TEMP TABLE reps AS SELECT range AS r FROM range({copies})")
    con.execute(
        f"""CREATE TEMP TABLE pick AS
            SELECT n.id AS src, r.r, n.id || '-' || r.r AS id,
                   row_number() OVER () AS ordinal
            FROM seed.notices n, reps r QUALIFY ordinal <= {target}"""
    )
    start = time.perf_counter()
    con.execute(
        f"""INSERT INTO notices
        SELECT p.id, n.fingerprint || '-' || p.r, n.path, n.locator || '#' || p.r, n.url, n.kind, n.title,
               left(n.body, 1500), left(n.attachments, 500), n.notice_type,
               DATE '2014-01-01' + CAST((hash(p.id) % 4000) AS INTEGER),
               n.project_code, n.ocid, n.buyer, n.language, coalesce(n.country, 'CN'),
               CASE WHEN coalesce(n.country, 'CN') = 'CN' THEN pl.province END,
               CASE WHEN coalesce(n.country, 'CN') = 'CN' THEN pl.city END, NULL,
               CASE WHEN coalesce(n.country, 'CN') = 'CN' THEN pl.ccode END,
               n.amount_value * (0.5 + (hash(p.id) % 1000) / 1000.0), n.amount_currency, n.amount_kind,
               n.relevant, n.score, n.title_match, n.ingested_at, n.role, n.ocr_confidence
        FROM pick p JOIN seed.notices n ON n.id = p.src
        JOIN places pl ON pl.k = hash(p.id) % {len(PROVINCES)}"""
    )
    for table, cols in (
        ("findings", "p.id, t.category, t.score, t.role"),
        ("vendor_mentions", "p.id, t.vendor"),
        ("parties", "p.id, t.role, t.position, t.name, t.vendor"),
        ("amounts", "p.id, t.position, t.value, t.currency, t.kind"),
        ("evidence", "p.id, t.subject_kind, t.subject, t.field, t.start_offset, t.end_offset, t.text"),
    ):
        con.execute(
            f"INSERT INTO {table} SELECT {cols} FROM pick p JOIN seed.{table} t ON t.notice_id = p.src"
        )
    # every procurement of the seed, replicated with its links
    con.execute(
        """CREATE TEMP TABLE plinks AS
           SELECT p.id, l.procurement_id AS seed_pid, l.procurement_id || '-' || p.r AS pid, l.reason, l.score
           FROM pick p JOIN seed.notice_links l ON l.notice_id = p.src"""
    )
    con.execute("INSERT INTO notice_links SELECT id, pid, reason, score, NULL FROM plinks")
    con.execute(
        """INSERT INTO procurements (id, title, buyer, project_code, ocid, first_published, last_published,
                                    status, notices, spend_value, spend_currency, spend_kind, relevant, score,
                                    title_match, country, province, city, admin_code, role)
           SELECT x.pid, any_value(pr.title), any_value(pr.buyer), any_value(pr.project_code),
                  any_value(pr.ocid), min(n.published), max(n.published), any_value(pr.status), count(*),
                  any_value(pr.spend_value), any_value(pr.spend_currency), any_value(pr.spend_kind),
                  any_value(pr.relevant), any_value(pr.score), any_value(pr.title_match),
                  any_value(n.country), any_value(n.province), any_value(n.city), any_value(n.admin_code),
                  any_value(pr.role)
           FROM plinks x JOIN seed.procurements pr ON pr.id = x.seed_pid JOIN notices n ON n.id = x.id
           GROUP BY x.pid"""
    )
    con.execute("CHECKPOINT")
    (n,) = con.execute("SELECT count(*) FROM notices").fetchall()[0]
    (relevant,) = con.execute("SELECT count(*) FROM notices WHERE relevant").fetchall()[0]
    con.close()
    print(
        f"store: {n:,} notices ({relevant:,} relevant) from {seed_count:,} seed notices × {copies} "
        f"in {time.perf_counter() - start:.1f} s, {db.stat().st_size / 1e9:.2f} GB"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "procurewatch.cli", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = start + 60
    while time.perf_counter() < deadline:
        try:
            if httpx.get(base + "/static/style.css", timeout=1).status_code == 200:
                return proc, base, time.perf_counter() - start
        except httpx.HTTPError:
            time.sleep(0.02)
    proc.kill()
    sys.exit("server did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))


def timed(client: httpx.Client, urls: list[str]) -> list[float]:
    out = []
    for url in urls:
        t = time.perf_counter()
        r = client.get(url)
        out.append((time.perf_counter() - t) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{url}: HTTP {r.status_code}")
    return out


def report(name: str, ms: list[float], target: float | None) -> None:
    ms = sorted(ms)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    verdict = "" if target is None else ("  ok" if p95 <= target else f"  OVER target {target:.0f} ms")
    print(f"{name:<44} n={len(ms):<4} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notices", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "out" / "serve")
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    seed = args.work / "seed.duckdb"
    db = args.work / f"store-{args.notices}.duckdb"
    build_seed(seed)
    if not db.exists():
        shutil.rmtree(index_dir_for(db), ignore_errors=True)
        replicate(seed, db, args.notices)
    if not index_is_current(db):
        t = time.perf_counter()
        indexed = rebuild_index(db)
        print(f"index: {indexed:,} notices in {time.perf_counter() - t:.1f} s")
    else:
        t = time.perf_counter()
        sync_index(db)  # also creates the store's lookup indexes when missing (store/read_indexes.py)
        print(f"index sync and lookup indexes: {time.perf_counter() - t:.1f} s")

    con = open_store(db)
    (built,) = con.execute("SELECT count(*) FROM organisation_procurements").fetchall()[0]
    if not built:
        t = time.perf_counter()
        made = build_organisations(con)
        print(
            f"organisations: {made['organisations']:,} from {made['names']:,} names"
            f" in {time.perf_counter() - t:.1f} s"
        )
    con.close()

    print("load average (1/5/15 min) before serving: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    proc, base, started = start_server(db)
    print(f"server start (process launch to first answer): {started:.2f} s  target < 3 s")
    rng = random.Random(7)
    con = duckdb.connect(str(db), read_only=True)
    pids = [r[0] for r in con.execute("SELECT id FROM procurements USING SAMPLE 200 ROWS").fetchall()]
    pids += [r[0] for r in con.execute("SELECT id FROM notices USING SAMPLE 50 ROWS").fetchall()]
    biggest = con.execute(
        "SELECT organisation_id FROM organisation_stats ORDER BY procurements DESC LIMIT 10"
    ).fetchall()
    some = con.execute("SELECT organisation_id FROM organisation_stats USING SAMPLE 30 ROWS").fetchall()
    orgs = [r[0] for r in biggest + some]
    con.close()
    n = args.requests
    try:
        with httpx.Client(base_url=base, timeout=120, follow_redirects=True) as client:
            # warm-up: first index open, first dashboard (buyer-type table, caches)
            timed(client, ["/?q=人脸", "/dashboard", f"/procurement/{pids[0]}"])
            hits = client.get("/api/search", params={"q": "人脸"}).json()["total"]
            print(f"(人脸 matches {hits:,} notices)")
            # every search below is new to the server (no kept hits or facet counts)
            search = [f"/?q={t}" for t in SEARCH_TERMS]
            report("search page, 2-char query + all facets", timed(client, search), 150)
            faceted = [f"/?q={t}&province=湖北省&year={rng.randint(2015, 2024)}" for t in SEARCH_TERMS]
            report("search page, 2-char query + 2 facets set", timed(client, faceted), 150)
            again = [f"/?q={t}&page=2" for t in SEARCH_TERMS]
            report("search page, next page of a search", timed(client, again), 150)
            deep = [f"/?q=采购&sort=date&page={rng.randint(1, 20000)}" for _ in range(n // 2)]
            report("search page, broad query, deep page", timed(client, deep), None)
            # a dashboard load = the page (its tables) + the five chart requests its script makes
            charts = ["year_category", "province", "country", "buyers", "vendors"]

            def dashboard_load(qs: str) -> float:
                urls = [f"/dashboard?{qs}"] + [f"/api/dashboard/{c}?{qs}" for c in charts]
                return sum(timed(client, urls))

            new_sets = [f"year={y}" for y in range(2014, 2025)] + [
                f"province={p}" for p in sorted({x[0] for x in PROVINCES})
            ]
            report("dashboard load, new filter set", [dashboard_load(q) for q in new_sets], 300)
            report("dashboard load, seen before", [dashboard_load("") for _ in range(n // 2)], 300)
            everything = [f"scope=all&year={y}" for y in range(2014, 2025)]
            report(
                "dashboard load, all notices, new filter set", [dashboard_load(q) for q in everything], 300
            )
            proc_urls = [f"/procurement/{rng.choice(pids)}" for _ in range(n)]
            report("procurement page", timed(client, proc_urls), 50)
            places = [f"/place?country=CN&province={p}" for p in sorted({x[0] for x in PROVINCES})]
            report("place page (province profile + list)", timed(client, places), None)
            vendors = [f"/vendor/{v['value']}" for v in client.get("/api/search").json()["facets"]["vendor"]]
            report("vendor page (profile + list)", timed(client, vendors), None)
            lists = [
                f"/{role}?sort={sort}&page={page}"
                for role in ("suppliers", "buyers")
                for sort in ("procurements", "spend", "first_year", "last_year", "categories")
                for page in (1, 3)
            ] + [f"/suppliers?q={t}" for t in ("公司", "科技", "移动", "信息", "建设")]
            report("/suppliers and /buyers (sorted, paged, searched)", timed(client, lists), 300)
            report(
                "organisation page (10 biggest, 30 sampled)", timed(client, [f"/org/{o}" for o in orgs]), 300
            )
            report(
                "network data (/api/network, all and filtered)",
                timed(
                    client,
                    ["/api/network", "/api/network?province=湖北省", "/api/network?scope=all&year=2020"],
                ),
                None,
            )
    finally:
        print("load average (1/5/15 min) after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
