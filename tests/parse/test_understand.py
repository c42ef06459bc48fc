"""understand(): hints first, then the text; the headline amount; ids and fingerprints."""

from __future__ import annotations

from procurewatch.model import Document, content_fingerprint, notice_id
from procurewatch.parse import understand

AWARD_RECORD = Document(
    path="yc.jsonl",
    locator="3",
    kind="record",
    title="西陵区配套道路施工中标结果公告",
    body="招标人: 宜昌市西陵区住房和城乡建设局\n中标人: 甲工程有限公司、乙建设集团有限公司联合体\n"
    "中标价(元): 3463671.57\n",
    hints={
        "buyer": "宜昌市西陵区住房和城乡建设局",
        "suppliers": ["甲工程有限公司、乙建设集团有限公司联合体"],
        "amounts": [{"value": "3463671.57", "currency": None, "kind": None, "field": "中标价(元)"}],
        "published": "2025-12-12",
        "project_code": "YCA020152-202501-01",
    },
)


def test_record_with_hints() -> None:
    n = understand(AWARD_RECORD)
    assert n.notice_type == "award"
    assert n.buyer is not None and n.buyer.name == "宜昌市西陵区住房和城乡建设局"
    assert n.buyer.vendor is None
    assert [p.name for p in n.suppliers] == ["甲工程有限公司", "乙建设集团有限公司"]
    assert n.amount is not None and (n.amount.value, n.amount.currency, n.amount.kind) == (
        3463671.57,
        "CNY",
        "award",
    )
    assert n.published == "2025-12-12"
    assert n.project_code == "YCA020152-202501-01"
    assert n.place is not None and (n.place.province, n.place.city, n.place.district) == (
        "湖北省",
        "宜昌市",
        "西陵区",
    )
    assert n.language == "zh"
    fp = content_fingerprint(AWARD_RECORD.title, AWARD_RECORD.body)
    assert (n.fingerprint, n.id) == (fp, notice_id("yc.jsonl", "3", fp))


def test_tender_text_budget_and_no_hypothetical_award() -> None:
    body = (
        "项目编号：2024BFFFZ01583\n采 购 人：合肥市公安局瑶海分局\n"
        "发布日期：2024年6月3日\n7.项目预算：人民币肆佰叁拾柒万陆仟柒佰柒拾元整\n"
        "招标代理服务费：若中标金额为100万元，则代理费为1.5万元。\n"
    )
    n = understand(Document("t.txt", "", "text", title="雪亮工程运维服务采购项目公开招标公告", body=body))
    assert n.notice_type == "tender"
    assert n.amount is not None and (n.amount.value, n.amount.kind) == (4376770.0, "budget")
    assert all(a.kind == "budget" for a in n.amounts)
    assert n.buyer is not None and n.buyer.name == "合肥市公安局瑶海分局"
    assert n.place is not None and n.place.admin_code == "340102"
    assert (n.published, n.project_code, n.suppliers) == ("2024-06-03", "2024BFFFZ01583", [])


def test_award_preferred_over_budget() -> None:
    body = "采购人：某县公安局\n预算金额：300万元\n中标金额：285.5万元\n中标供应商：某某科技有限公司\n"
    n = understand(Document("a.txt", "", "text", title="某县视频监控项目中标公告", body=body))
    assert n.amount is not None and (n.amount.value, n.amount.kind) == (2855000.0, "award")
    assert {(a.kind, a.value) for a in n.amounts} == {("budget", 3000000.0), ("award", 2855000.0)}
    assert [p.name for p in n.suppliers] == ["某某科技有限公司"]


def test_telecom_record_buyer_is_the_title_entity() -> None:
    doc = Document(
        "tel.json",
        "",
        "record",
        title="2026年中国电信泉州分公司安溪某路口信号灯电子警察建设项目询比公告",
        body="operator: 中国电信\npurchaseContent: 新建电子警察监控\nbudget: 328005元",
        hints={
            "region": "福建",
            "notice_type": "比选公告",
            "amounts": [{"value": "328005元", "field": "budget"}],
        },
    )
    n = understand(doc)
    assert n.buyer is not None and n.buyer.name == "中国电信泉州分公司"
    assert n.notice_type == "tender"
    assert n.amount is not None and (n.amount.value, n.amount.kind) == (328005.0, "budget")
    assert n.place is not None and (n.place.province, n.place.city) == ("福建省", "泉州市")


def test_telecom_record_without_a_title_entity_falls_back_to_the_operator() -> None:
    doc = Document("tel.json", "", "record", title="2026年闽清县网络应急指挥中心改造建设项目询比公告",
                   body="operator: 中国电信\n", hints={"region": "福建"})  # fmt: skip
    n = understand(doc)
    assert n.buyer is not None and n.buyer.name == "中国电信"
    assert n.place is not None and (n.place.city, n.place.district) == ("福州市", "闽清县")


def test_ocds_hints_are_used_as_given() -> None:
    doc = Document(
        "ocds.json",
        "ocds-abc-1",
        "ocds",
        title="CCTV maintenance",
        body="Maintenance of the council's CCTV cameras.",
        hints={
            "notice_type": "contract",
            "buyer": "Durham County Council",
            "suppliers": ["Acme Security Ltd"],
            "amounts": [
                {"value": 1000, "currency": "gbp", "kind": "contract"},
                {"value": 500.5, "currency": "GBP", "kind": "contract"},
                {"value": 2000, "currency": "GBP", "kind": "budget"},
            ],
            "country": "GB",
            "region": "Durham",
            "ocid": "ocds-abc-1",
            "language": "en",
            "published": "2021-03-15T00:00:00Z",
            "items": [{"description": "CCTV", "scheme": "CPV", "id": "32323500"}],
        },
    )
    n = understand(doc)
    assert n.notice_type == "contract"
    assert n.amount is not None and (n.amount.value, n.amount.currency, n.amount.kind) == (
        1500.5,
        "GBP",
        "contract",
    )
    assert n.place is not None and (n.place.country, n.place.province, n.place.city) == ("GB", "Durham", None)
    assert (n.ocid, n.language, n.published) == ("ocds-abc-1", "en", "2021-03-15")
    assert n.items == [{"description": "CCTV", "scheme": "CPV", "id": "32323500"}]
    assert [p.name for p in n.suppliers] == ["Acme Security Ltd"]


def test_empty_document() -> None:
    n = understand(Document("empty.txt", "", "text"))
    assert (n.buyer, n.amount, n.place, n.language, n.notice_type) == (None, None, None, None, "other")
