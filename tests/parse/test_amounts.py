"""Money in the notations Chinese notices use, and what is not money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from procurewatch.parse.amounts import chinese_numeral, find_amounts, kind_from_name, parse_money


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("人民币肆佰叁拾柒万陆仟柒佰柒拾元整", Decimal("4376770")),
        ("壹亿贰仟万元整", Decimal("120000000")),
        ("伍拾万零叁佰元伍角陆分", Decimal("500300.56")),
        ("37.521万元", Decimal("375210")),
        ("1689.61万元", Decimal("16896100")),
        ("0.84万元", Decimal("8400")),
        ("773,584.91元", Decimal("773584.91")),
        ("１，２３４．５０元", Decimal("1234.50")),
        ("¥1,234,567.00", Decimal("1234567")),
        ("RMB 2.5亿元", Decimal("250000000")),
        ("595000.00元", Decimal("595000")),
    ],
)
def test_parse_money_notations(raw: str, expected: Decimal) -> None:
    assert parse_money(raw) == expected


def test_unit_in_the_field_name_applies_to_a_bare_number() -> None:
    assert parse_money("3463671.57", "中标价(元)") == Decimal("3463671.57")
    assert parse_money("86.3", "预算金额（万元）") == Decimal("863000")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("价格系数98.20%", "中标价(报价承诺)"),
        ("设计费：下浮率18%；施工采购费：5%", "中标价(报价承诺)"),
        ("98.5", "中标价(%)"),
        ("公告未明确列示", "budget"),
        ("费率 0.6%", ""),
    ],
)
def test_rates_and_placeholders_are_not_amounts(raw: str, field: str) -> None:
    assert parse_money(raw, field) is None


@pytest.mark.parametrize(
    "raw",
    [
        "设计费投标报价为336000元，建安工程费报价下浮率为3.5%",  # the works part is a rate
        "投标报价1：2505000.00元；投标报价2（折扣率）：55%。",
        "下浮比例部分：建筑工程：18%。综合单价部分：综合单价合计：181427.70元。",  # a sum of unit prices
        "砂石出让经营收益单价为7元/吨",
    ],
)
def test_a_price_with_a_rate_or_unit_price_part_has_no_total(raw: str) -> None:
    assert parse_money(raw, "中标价(报价承诺)") is None


def test_explicit_components_are_summed_and_a_total_wins() -> None:
    assert parse_money("可研服务费报价63500元，工程设计费报价1238000元") == Decimal("1301500")
    assert parse_money("设计费1,000元，施工费2,000元，合计3,000元") == Decimal("3000")
    # the same figure in figures and in words is one figure
    assert parse_money("437.677万元（肆佰叁拾柒万陆仟柒佰柒拾元整）") == Decimal("4376770")


def test_chinese_numeral_rejects_other_text() -> None:
    assert chinese_numeral("人民币") is None
    assert chinese_numeral("拾元") == Decimal("10")


def test_find_amounts_kinds_and_offsets() -> None:
    text = (
        "一、项目基本情况\n7.项目预算：437.677 万元\n8.最高限价：437.677 万元\n"
        "中标金额：人民币肆佰叁拾万元整\n合同金额（元）：4,300,000.00\n下浮率：5%\n"
    )
    found = find_amounts(text)
    assert [(a.kind, a.value) for a in found] == [
        ("budget", Decimal("4376770")),
        ("budget", Decimal("4376770")),
        ("award", Decimal("4300000")),
        ("contract", Decimal("4300000.00")),
    ]
    assert text[found[0].start : found[0].end] == "437.677 万元"
    assert text[found[2].start : found[2].end] == "肆佰叁拾万元整"


def test_find_amounts_needs_a_unit_or_a_currency() -> None:
    assert find_amounts("预算金额：12 详见附件") == []
    assert [a.value for a in find_amounts("预算金额：¥12,000")] == [Decimal("12000")]
    assert [a.value for a in find_amounts("本项目采购预算为 100660000 元人民币")] == [Decimal("100660000")]


def test_find_amounts_component_line_behind_a_note_in_the_label() -> None:
    found = find_amounts("中标价(报价承诺): 可研服务费报价63500元，工程设计费报价1238000元\n履约期限: 30天")
    assert [(a.kind, a.value) for a in found] == [("award", Decimal("1301500"))]
    assert find_amounts("中标价(报价承诺): 设计费：下浮率18%；施工采购费：5%") == []


def test_kind_from_field_names() -> None:
    assert kind_from_name("中标价(元)") == "award"
    assert kind_from_name("成交金额") == "award"
    assert kind_from_name("合同金额") == "contract"
    assert kind_from_name("最高限价") == "budget"
    assert kind_from_name("budget") == "budget"
    assert kind_from_name("联系电话") is None


def test_award_figures_of_several_lots_in_running_text_are_summed() -> None:
    from procurewatch.model import Document
    from procurewatch.parse.notice import understand

    body = (
        "示例医院医疗设备采购项目中标公告\n"
        "第1包：中标供应商：甲示例医疗器械有限公司，中标金额：213万元（大写：贰佰壹拾叁万元整）\n"
        "第2包：中标供应商：乙示例科技有限公司，中标金额：300万元\n"
    )
    notice = understand(
        Document(path="x.txt", locator="", kind="text", title="示例医院医疗设备采购中标公告", body=body)
    )
    assert notice.amount.value == 5130000 and notice.amount.kind == "award"
    single = body.split("\n第2包")[0] + "\n总中标金额：213万元\n"
    notice = understand(
        Document(path="y.txt", locator="", kind="text", title="示例医院设备采购中标公告", body=single)
    )
    assert notice.amount.value == 2130000


def test_unit_in_brackets_after_the_figure() -> None:
    (found,) = find_amounts("中标（成交）金额：123.45（万元）")
    assert found.value == 1234500 and found.kind == "award"


def test_an_award_notice_stating_only_the_winners_bid() -> None:
    from procurewatch.model import Document
    from procurewatch.parse.notice import understand

    body = "中标人：示例建设工程有限公司，投标报价：1,234,567.00元，工期：90日历天。\n最高投标限价：130万元\n"
    award = understand(
        Document(path="a.txt", locator="", kind="text", title="示例道路工程中标结果公告", body=body)
    )
    assert award.amount.value == 1234567 and award.amount.kind == "award"
    title = "示例道路工程中标候选人公示"
    candidates = understand(Document(path="c.txt", locator="", kind="text", title=title, body=body))
    assert candidates.amount.kind == "budget" and candidates.amount.value == 1300000
