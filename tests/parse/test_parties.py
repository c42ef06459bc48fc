"""Buyer and supplier names from labels, telecom titles and consortia."""

from __future__ import annotations

import pytest

from procurewatch.parse.parties import (
    addressee,
    buyer_from_text,
    buyer_from_title,
    split_consortium,
    suppliers_from_text,
)


def test_buyer_label_stops_at_punctuation_and_contacts() -> None:
    text = "采购人：宁波市综合行政执法局（地址：浙江省宁波市鄞州区宁穿路1901号，电话：0574-87181100）"
    assert buyer_from_text(text) == "宁波市综合行政执法局"
    assert buyer_from_text("采购人名称：某县公安局 联系人：张某 电话：0000-1234567") == "某县公安局"


def test_buyer_label_with_spaced_characters_and_block_layout() -> None:
    assert (
        buyer_from_text("项目编号：X-1\n采 购 人：合肥市公安局瑶海分局\n采购代理机构：某中心")
        == "合肥市公安局瑶海分局"
    )
    block = "1.招标人信息\n名称：含山县城乡供水有限公司、含山县仙踪镇人民政府\n地址：含山县环峰镇"
    assert buyer_from_text(block) == "含山县城乡供水有限公司、含山县仙踪镇人民政府"


def test_buyer_prefers_the_most_specific_label() -> None:
    text = "采购单位：奉贤区人口综合管理服务中心\n……\n采购人：上海市奉贤区人口综合管理服务中心\n"
    assert buyer_from_text(text) == "上海市奉贤区人口综合管理服务中心"


def test_buyer_keeps_a_balanced_parenthetical() -> None:
    assert buyer_from_text("采购人：上海市公安局奉贤分局(本部)\n") == "上海市公安局奉贤分局(本部)"


def test_prose_after_a_label_is_not_a_buyer() -> None:
    assert buyer_from_text("2 招标人信息：详见招标公告") is None


@pytest.mark.parametrize(
    ("title", "buyer"),
    [
        ("中国电信泉港分公司2026年某小区监控项目询比公告", "中国电信泉港分公司"),
        (
            "2026年中国电信股份有限公司莆田分公司视频监控维护配套设备集中采购项目询比公告",
            "中国电信股份有限公司莆田分公司",
        ),
        (
            "中国铁塔股份有限公司浙江省分公司2026年绍兴市分公司传输管道施工采购项目-询比（比选）公告",
            "中国铁塔股份有限公司浙江省分公司",
        ),
        (
            "中国移动通信集团福建有限公司南平分公司2026年监控及闸机小额零星采购项目_采购公告",
            "中国移动通信集团福建有限公司南平分公司",
        ),
        ("关于征集中国移动台州分公司2026年显示屏采购项目技术规范书意见的公告", "中国移动台州分公司"),
        ("福建移动征集泉州分公司特殊场景摄像头集成及运维服务项目采购技术规范等文件意见的公告", "福建移动"),
        ("2026年云霄电信HQ工地监控技术服务", "云霄电信"),
        ("赣州电信分公司民爆监管系统及运维服务项目询比公告", "赣州电信分公司"),
        ("2026年中国电信尤溪县梅仙镇集镇道路违停监控系统项目询比公告", "中国电信"),
        ("2026年闽清县网络应急指挥中心改造建设项目询比公告", None),
        ("龙岩分公司2025-2027年云SaaS集成服务采购项目技术规范书等文件意见的公告", None),
    ],
)
def test_buyer_from_telecom_title(title: str, buyer: str | None) -> None:
    assert buyer_from_title(title) == buyer


def test_consortium_split() -> None:
    assert split_consortium("天津第二市政公路工程有限公司、湖北广盛建设集团有限责任公司联合体") == [
        "天津第二市政公路工程有限公司",
        "湖北广盛建设集团有限责任公司",
    ]
    assert split_consortium("某某科技有限公司") == ["某某科技有限公司"]


def test_suppliers_per_lot_and_without_colon() -> None:
    text = (
        "包1 执法记录仪：中标供应商 宁波甬城电子设备有限公司，中标金额 162万元；\n"
        "包2 无人机：中标供应商 深圳市大疆创新科技有限公司，中标金额 96万元。\n"
    )
    assert suppliers_from_text(text, "award") == ["宁波甬城电子设备有限公司", "深圳市大疆创新科技有限公司"]


def test_candidates_are_not_suppliers() -> None:
    text = "第一中标候选人：甲建设有限公司\n第二中标候选人：乙建设有限公司\n"
    assert suppliers_from_text(text, "other") == []


def test_generic_supplier_label_needs_an_award() -> None:
    text = "供应商名称：丙科技有限公司\n"
    assert suppliers_from_text(text, "tender") == []
    assert suppliers_from_text(text, "award") == ["丙科技有限公司"]


def test_single_source_addressee() -> None:
    text = "第一章 单一来源邀请\n中国教育图书进出口有限公司：\n我公司受上海大学的委托……"
    assert addressee(text) == "中国教育图书进出口有限公司"


def test_buyer_a_title_opens_with() -> None:
    from procurewatch.parse.parties import buyer_opening_title

    assert buyer_opening_title("示例省财政厅示例市区会议定点场所采购项目中标公告") == "示例省财政厅"
    assert buyer_opening_title("示例市国家税务局稽查机构录音录像系统采购中标公告") == "示例市国家税务局"
    assert buyer_opening_title("示例市公安局交警支队车辆管理所供暖改造工程") == "示例市公安局交警支队"
    assert buyer_opening_title("示例市政务服务大厅改造项目") is None
    assert buyer_opening_title("示例区污水系统提升工程中标候选人公示") is None


def test_a_portals_area_word_before_the_body_a_title_opens_with() -> None:
    from procurewatch.parse.parties import buyer_opening_title

    assert buyer_opening_title("高新区示例大学科创大厦改造工程中标公告") == "示例大学"
    assert buyer_opening_title("[示例区]示例市公安局警体中心建设项目中标公告") == "示例市公安局"
    assert buyer_opening_title("示例县教育局校园监控采购中标公告") == "示例县教育局"


def test_a_call_for_bids_that_opens_with_its_buyer_names_it_and_a_candidate_notice_does_not() -> None:
    from procurewatch.model import Document
    from procurewatch.parse.notice import understand

    def buyer(title: str) -> str | None:
        notice = understand(Document(path="t.txt", locator="", kind="text", title=title, body=title))
        return notice.buyer.name if notice.buyer else None

    assert buyer("苏州市区示例市公安局关于示例分局警体中心建设项目磋商采购公告") == "示例市公安局"
    assert buyer("示例市公安局警体中心建设项目中标候选人公示") is None
