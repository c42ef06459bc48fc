"""Small real-shaped inputs written into a test's tmp_path: scraped records, text notices, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

RECORDS = [
    {
        "标题": "合肥市公安局瑶海分局视频监控系统建设项目中标结果公告",
        "内容": "一、项目编号：HFZC2024-0417-JK。二、中标供应商：杭州海康威视数字技术股份有限公司。"
        "三、中标金额：人民币肆佰叁拾柒万陆仟柒佰柒拾元整（437.677万元）。采购内容：人脸识别抓拍机120台。",
        "采购人": "合肥市公安局瑶海分局",
        "中标供应商": "杭州海康威视数字技术股份有限公司",
        "中标金额": "437.677万元",
        "发布日期": "2024-04-17",
    },
    {
        "标题": "某市第一中学食堂设备采购项目招标公告",
        "内容": "采购内容：不锈钢操作台、冷藏柜。预算金额：35万元。",
        "采购人": "某市第一中学",
        "预算金额": "350000",
        "发布日期": "2024-05-02",
    },
    {
        "title": "Procurement of office furniture",
        "content": "Desks and chairs for the tax office. Budget 12,000 CNY.",
        "buyer": "City tax office",
        "date": "2024-06-01",
    },
    {
        "标题": "县公安局治安卡口及车辆识别系统采购成交公告",
        "正文": "成交供应商：浙江大华技术股份有限公司，成交金额：1,280,000.00元。建设高清卡口12处。",
        "采购单位": "某县公安局",
        "成交供应商": "浙江大华技术股份有限公司",
        "成交金额": "1280000",
        "公告发布日期": "2024-07-09",
    },
    {
        "标题": "市图书馆图书采购项目中标公告",
        "内容": "中标人：新华书店。中标价：8.5万元。",
        "招标人": "市图书馆",
        "中标人": "新华书店",
        "中标价": "8.5万元",
        "发布日期": "2024-08-20",
    },
]

TEXT_NOTICE = (
    "某区雪亮工程视频监控点位扩建项目采购公告\n"
    "采购人：某区委政法委员会\n"
    "预算金额：壹佰贰拾万元整\n"
    "采购内容：新建视频监控点位200个，接入公安视频专网。\n"
)


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def write_corpus(root: Path) -> Path:
    """Five scraped records in one JSONL file and one plain-text notice: six notices."""
    root.mkdir(parents=True, exist_ok=True)
    write_jsonl(root / "records.jsonl", RECORDS)
    (root / "notice.txt").write_text(TEXT_NOTICE, encoding="utf-8")
    return root


def many_records(n: int) -> list[dict]:
    """n distinct records shaped like RECORDS (distinct titles give distinct ids)."""
    return [
        {**RECORDS[i % len(RECORDS)], "标题": f"{RECORDS[i % len(RECORDS)].get('标题', 'notice')} 第{i}号"}
        for i in range(n)
    ]


def write_bad_inputs(root: Path) -> dict[str, Path]:
    root.mkdir(parents=True, exist_ok=True)
    bad = {
        "empty": root / "empty.txt",
        "junk": root / "junk.bin",
        "broken_json": root / "broken.json",
        "truncated_pdf": root / "truncated.pdf",
    }
    bad["empty"].write_bytes(b"")
    bad["junk"].write_bytes(bytes(range(256)) * 8 + b"\x00\xff\xfe" * 300)
    bad["broken_json"].write_text('{"标题": "视频监控采购", "内容": "摄像机', encoding="utf-8")
    bad["truncated_pdf"].write_bytes(
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Ty"
    )
    return bad


def count(db: Path, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        (value,) = con.execute(sql).fetchone()
    finally:
        con.close()
    return int(value)


def table_counts(db: Path) -> dict[str, int]:
    tables = ["notices", "parties", "amounts", "findings", "vendor_mentions", "evidence", "items", "files"]
    return {t: count(db, f"SELECT count(*) FROM {t}") for t in tables}
