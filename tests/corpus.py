"""A small store written row by row into the real schema: Chinese and OCDS-shaped notices,
linked phases of one procurement, evidence with offsets, personal data and hostile markup."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from procurewatch.entities.build import build_organisations
from procurewatch.store.db import open_store

HOSTILE_TITLE = '<script>alert("t")</script>视频监控采购<img src=x onerror=alert(1)>'
HOSTILE_BODY = (
    '项目概况：人脸识别门禁。<a href="javascript:alert(2)">点击</a>'
    '<style>body{display:none}</style><div style="background:url(javascript:alert(3))">x</div>'
    "</textarea><svg onload=alert(4)>"
)


@dataclass
class Row:
    id: str
    title: str
    body: str
    published: str
    notice_type: str = "tender"
    buyer: str = "某市公安局"
    province: str | None = "湖北省"
    city: str | None = "宜昌市"
    country: str = "CN"
    admin_code: str | None = "420500"
    language: str = "zh"
    url: str | None = None
    amount: float | None = None
    currency: str = "CNY"
    relevant: bool = True
    procurement: str | None = None
    categories: list[str] = field(default_factory=list)
    evidence: list[tuple[str, str, str]] = field(default_factory=list)  # (subject, field, text)
    suppliers: list[tuple[str, str | None]] = field(default_factory=list)
    project_code: str | None = None


ROWS: list[Row] = [
    Row(
        "n-tender-1",
        "宜昌市公安局人脸识别卡口建设项目招标公告",
        "宜昌市公安局拟采购人脸识别系统和车辆卡口设备，预算人民币500万元。"
        "联系人：张三，电话：13812345678，邮箱：zhangsan@example.com，身份证号420502198001011234。",
        "2019-03-01",
        url="https://ggzy.example.gov.cn/notice/1?a=1&b=2",
        amount=5_000_000,
        procurement="p-1",
        categories=["facial_recognition", "vehicle_anpr"],
        evidence=[
            ("facial_recognition", "title", "人脸识别"),
            ("facial_recognition", "body", "人脸识别系统"),
            ("vehicle_anpr", "body", "车辆卡口"),
        ],
        project_code="YC2019-001",
    ),
    Row(
        "n-award-1",
        "宜昌市公安局人脸识别卡口建设项目中标结果公告",
        "中标人：杭州海康威视系统技术有限公司，中标金额：4,800,000元。项目经理：李四。",
        "2019-05-10",
        notice_type="award",
        amount=4_800_000,
        procurement="p-1",
        categories=["facial_recognition"],
        evidence=[("facial_recognition", "title", "人脸识别"), ("hikvision", "body", "海康威视")],
        suppliers=[("杭州海康威视系统技术有限公司", "hikvision")],
        project_code="YC2019-001",
    ),
    Row(
        "n-contract-1",
        "宜昌市公安局人脸识别卡口建设项目合同公告",
        "合同金额4,800,000元，供应商杭州海康威视系统技术有限公司。",
        "2019-06-01",
        notice_type="contract",
        amount=4_800_000,
        procurement="p-1",
        categories=["facial_recognition"],
        evidence=[("facial_recognition", "title", "人脸识别")],
        suppliers=[("杭州海康威视系统技术有限公司", "hikvision")],
        project_code="YC2019-001",
    ),
    Row(
        "n-voice-1",
        "武汉市公安局声纹采集系统采购项目",
        "采购声纹采集设备20套，用于声纹识别比对。法定代表人：王五。座机 027-87654321。",
        "2020-08-15",
        buyer="武汉市公安局",
        city="武汉市",
        admin_code="420100",
        amount=1_200_000,
        categories=["voiceprint"],
        evidence=[("voiceprint", "title", "声纹"), ("voiceprint", "body", "声纹采集设备")],
        suppliers=[("科大讯飞股份有限公司", "iflytek")],
        notice_type="award",
    ),
    Row(
        "n-water-1",
        "自来水厂水质在线监控系统维护",
        "水厂水质监控平台运维服务，一年。",
        "2021-02-02",
        buyer="宜昌市水务局",
        relevant=False,
        amount=90_000,
    ),
    Row(
        "n-xss-1",
        HOSTILE_TITLE,
        HOSTILE_BODY,
        "2021-07-07",
        buyer="<b>恶意</b>采购人",
        province="广东省",
        city="深圳市",
        admin_code="440300",
        url="javascript:alert(5)",
        categories=["video_surveillance", "facial_recognition"],
        evidence=[("video_surveillance", "title", "视频监控"), ("facial_recognition", "body", "人脸识别")],
        amount=300_000,
    ),
    Row(
        "n-ro-1",
        "Achiziție sisteme de supraveghere video cu recunoaștere facială",
        "Primăria achiziționează camere Hikvision pentru supraveghere video stradală. "
        "Contact: ion.popescu@example.ro",
        "2022-04-04",
        buyer="Primăria Municipiului Cluj-Napoca",
        province=None,
        city=None,
        admin_code=None,
        country="RO",
        language="ro",
        currency="RON",
        amount=250_000,
        categories=["video_surveillance", "facial_recognition"],
        evidence=[
            ("video_surveillance", "title", "supraveghere video"),
            ("facial_recognition", "title", "recunoaștere facială"),
        ],
        suppliers=[("Hikvision Romania SRL", "hikvision")],
        url="http://licitatii.example.ro/c/77",
    ),
    Row(
        "n-cam-1",
        "人脸门禁与视频监控改造",
        "学校人脸门禁和视频监控改造，摄像机40台。",
        "2020-01-20",
        buyer="宜昌市第一中学",
        categories=["video_surveillance"],
        evidence=[("video_surveillance", "title", "视频监控")],
        amount=400_000,
    ),
]


def build_store(db_path: Path, rows: list[Row] = ROWS) -> Path:
    con = open_store(db_path)
    now = datetime(2026, 1, 1)
    for r in rows:
        text = {"title": r.title, "body": r.body, "attachments": ""}
        con.execute(
            "INSERT INTO notices (id, fingerprint, path, locator, url, kind, title, body, attachments,"
            " notice_type, published, project_code, buyer, language, country, province, city,"
            " admin_code, amount_value, amount_currency, amount_kind, relevant, score, title_match,"
            " ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                r.id,
                "fp-" + r.id,
                f"fixtures/{r.id}.json",
                "",
                r.url,
                "record",
                r.title,
                r.body,
                "",
                r.notice_type,
                r.published,
                r.project_code,
                r.buyer,
                r.language,
                r.country,
                r.province,
                r.city,
                r.admin_code,
                r.amount,
                r.currency if r.amount else None,
                "budget" if r.notice_type == "tender" else "award",
                r.relevant,
                0.9 if r.relevant else 0.1,
                bool(r.categories),
                now,
            ],
        )
        con.execute("INSERT INTO parties VALUES (?, 'buyer', 0, ?, NULL)", [r.id, r.buyer])
        for pos, (name, vendor) in enumerate(r.suppliers):
            con.execute("INSERT INTO parties VALUES (?, 'supplier', ?, ?, ?)", [r.id, pos, name, vendor])
        if r.amount:
            con.execute("INSERT INTO amounts VALUES (?, 0, ?, ?, 'budget')", [r.id, r.amount, r.currency])
        for cat in r.categories:
            con.execute("INSERT INTO findings (notice_id, category, score) VALUES (?, ?, 0.9)", [r.id, cat])
        vendors = {v for _, v in r.suppliers if v}
        for subject, fld, snippet in r.evidence:
            start = text[fld].index(snippet)
            kind = "category" if subject in r.categories else "vendor"
            if kind == "vendor":
                vendors.add(subject)
            con.execute(
                "INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?)",
                [r.id, kind, subject, fld, start, start + len(snippet), snippet],
            )
        for v in sorted(vendors):
            con.execute("INSERT INTO vendor_mentions VALUES (?, ?)", [r.id, v])
    procurements: dict[str, list[Row]] = {}
    for r in rows:
        procurements.setdefault(r.procurement or "p-" + r.id, []).append(r)
    for pid, members in procurements.items():
        first = members[0]
        spend = members[-1]
        con.execute(
            "INSERT INTO procurements (id, title, buyer, project_code, ocid, first_published,"
            " last_published, status, notices, spend_value, spend_currency, spend_kind, relevant, score,"
            " title_match, country, province, city, admin_code)"
            " VALUES (?,?,?,?,NULL,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                pid,
                first.title,
                first.buyer,
                first.project_code,
                first.published,
                members[-1].published,
                "contracted" if len(members) > 2 else "open",
                len(members),
                spend.amount,
                spend.currency if spend.amount else None,
                "award",
                first.relevant,
                0.9 if first.relevant else 0.1,
                bool(first.categories),
                first.country,
                first.province,
                first.city,
                first.admin_code,
            ],
        )
        for i, m in enumerate(members):
            con.execute(
                "INSERT INTO notice_links VALUES (?, ?, ?, ?, NULL)",
                [m.id, pid, "first" if i == 0 else "project_code", 1.0],
            )
    build_organisations(con)  # as ingest does after linking
    con.close()
    return db_path
