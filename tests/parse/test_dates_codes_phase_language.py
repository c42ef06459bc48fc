"""Dates, project codes, notice phase words and language."""

from __future__ import annotations

import re
import threading

import pytest

from procurewatch.parse.codes import project_code
from procurewatch.parse.dates import parse_date, published_in_text
from procurewatch.parse.language import detect_language
from procurewatch.parse.notice_type import notice_phase, phase_of
from procurewatch.parse.widths import batch_forms, halfwidth, made_ahead, markers, spaced, spaced_longest


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026年5月28日", "2026-05-28"),
        ("２０１６年０３月０７日 10:30", "2016-03-07"),
        ("2026-05-28", "2026-05-28"),
        ("2026/5/28", "2026-05-28"),
        ("2013.11.02", "2013-11-02"),
        ("2026-05-28T14:22:11+08:00", "2026-05-28"),
        ("20260528", "2026-05-28"),
        ("2026年13月1日", None),
        ("公告未明确列示", None),
    ],
)
def test_parse_date(raw: str, expected: str | None) -> None:
    assert parse_date(raw) == expected


def test_published_follows_its_label_not_other_dates() -> None:
    text = "投标截止时间：2026年6月5日9时00分\n发布日期：2026年5月28日\n"
    assert published_in_text(text) == "2026-05-28"
    assert published_in_text("公 告 日 期：2014年2月3日") == "2014-02-03"


def test_project_code_from_label_and_from_title() -> None:
    assert project_code("", "1.项目编号：2024BFFFZ01583\n2.项目名称：运维服务") == "2024BFFFZ01583"
    assert (
        project_code("", "项目编号：唐财采购公开-2026-2 \n采购人：唐河县农业农村局") == "唐财采购公开-2026-2"
    )
    assert project_code("2026年厦门电信监控服务项目（ICT2026XA7550）", "") == "ICT2026XA7550"
    assert project_code("", "项目编号：详见招标公告") is None
    # a label spaced out (PDF text) and written with full-width forms is still found past the marker check
    assert project_code("", "标 段 (包) 编 号：ＸＹ-2026-01") == "XY-2026-01"


def test_markers_are_held_by_every_word_and_survive_halfwidth() -> None:
    words = ["标段（包）编号", "项目代码", "招标编号", "（）"]
    chosen = markers(words[:3])
    assert all(any(c in w for c in chosen) for w in words[:3])
    assert all(halfwidth(c) == c and not c.isascii() for c in chosen)
    with pytest.raises(ValueError):
        markers(words)  # a word of full-width brackets only has no character that halfwidth keeps


def test_spaced_longest_matches_what_the_longest_first_alternation_does() -> None:
    words = ["预算", "预算金额", "项目预算", "项目预算金额", "采购预算", "中标价", "中标价格"]
    words.append("中标(成交)金额")
    tree = re.compile(rf"(?P<label>{spaced_longest(words)})\s*[:：]\s*(?P<value>\d+)")
    longest_first = "|".join(spaced(w) for w in sorted(words, key=len, reverse=True))
    alternation = re.compile(rf"(?P<label>{longest_first})\s*[:：]\s*(?P<value>\d+)")
    text = "项目预算金额：100\n项 目 预 算 ：200 中标价格:300 中标价：400 "
    text += "中标 ( 成交 ) 金额: 500 预算金额 600 预算:700"
    found = [(m.span(), m.groupdict()) for m in tree.finditer(text)]
    assert found == [(m.span(), m.groupdict()) for m in alternation.finditer(text)]
    labels = ["项目预算金额", "项 目 预 算", "中标价格", "中标价", "中标 ( 成交 ) 金额", "预算"]
    assert [d["label"] for _, d in found] == labels


def test_a_batch_makes_each_halfwidth_form_once() -> None:
    text = "采购人：某某（测试）公司，预算：１００万元　联系人：张三"
    alone = halfwidth(text)
    assert alone == "采购人:某某(测试)公司,预算:100万元 联系人:张三"
    with batch_forms():
        first = halfwidth(text)
        others = [halfwidth(f"第{i}行（{i}）") for i in range(100)]  # more than a cache of recent texts holds
        assert halfwidth(text) is first  # kept, not made again
    assert first == alone
    assert others[7] == "第7行(7)"


def test_a_batch_is_its_thread_s_own() -> None:
    entered, released = threading.Event(), threading.Event()

    def understanding_too() -> None:
        with batch_forms():
            halfwidth("其它（乙）单位")
            entered.set()
            released.wait(10)

    other = threading.Thread(target=understanding_too)
    with batch_forms():
        other.start()
        assert entered.wait(10)
    released.set()  # the other thread's batch ends after this one's
    other.join(10)
    text = "采购人：某（甲）单位"
    made = halfwidth(text)
    for i in range(100):
        halfwidth(f"第{i}行（{i}）")
    assert halfwidth(text) is not made  # no batch left open here: nothing kept past the recent texts


def test_forms_made_ahead_are_those_made_alone() -> None:
    texts = [
        "预算：１００万元（含税）",
        "𠀀𠀁（ＣＤ）\u3000end",  # characters outside the BMP are two UTF-16 code units
        "a lone high surrogate at the end \ud800",
        "\udc00 a lone low one at the start, next to it once joined",
        "",
        "ＡＢＣ\xa0",
    ]
    alone = [halfwidth(t) for t in texts]
    assert alone[0] == "预算:100万元(含税)" and alone[5] == "ABC "
    with batch_forms():
        made_ahead(*texts)
        assert [halfwidth(t) for t in texts] == alone
    with batch_forms():
        made_ahead(*texts[:2], *texts[4:])
        assert [halfwidth(t) for t in reversed(texts)] == alone[::-1]


@pytest.mark.parametrize(
    ("title", "phase"),
    [
        ("西陵区配套道路施工中标结果公告", "award"),
        ("某学校监控采购项目成交结果公告", "award"),
        ("某道路工程中标候选人公示", "other"),
        ("某县公安局视频监控项目合同公告", "contract"),
        ("某县公安局视频监控项目更正公告", "amendment"),
        ("关于某项目招标文件的澄清", "amendment"),
        ("某项目废标公告", "cancellation"),
        ("某项目终止公告", "cancellation"),
        ("某项目公开招标公告", "tender"),
        ("中国电信某分公司监控服务询比公告", "tender"),
        ("某项目竞争性磋商公告", "tender"),
        ("福建移动征集某项目采购技术规范等文件意见的公告", "other"),
        ("中国铁塔某分公司维护保养采购项目预公示", "other"),
        ("某平台维保服务采购项目_直接采购信息公告", "other"),
        ("某数据库访问服务单一来源公示", "other"),
    ],
)
def test_phase_words(title: str, phase: str) -> None:
    assert phase_of(title) == phase
    # a lone surrogate (JSON's \ud800) is no UTF-8: the words are then looked up one by one, same outcome
    assert phase_of(f"\ud800{title}") == phase
    assert phase_of(f"\ud800 {' '.join(title)}") == phase_of(" ".join(title))


def test_phase_falls_back_to_source_words_then_other() -> None:
    assert notice_phase("2026年平和电信数字化转型技术服务", "询比公告") == "tender"
    assert notice_phase("2026年平和电信数字化转型技术服务", ["采购意见征求公告"]) == "other"
    assert notice_phase("某项目", None) == "other"
    # title words decide over the source's category
    assert notice_phase("某项目直接采购事前公示", "采购公告") == "other"


@pytest.mark.parametrize(
    ("title", "body", "lang"),
    [
        ("中国电信2026年视频监控运维项目询比公告", "采购内容：摄像机", "zh"),
        ("Supply and installation of CCTV cameras", "The council invites tenders for maintenance.", "en"),
        (
            "Suministro de cámaras de videovigilancia",
            "para la Secretaría de Seguridad Pública del estado",
            "es",
        ),
        ("Закупівля відеокамер", "для департаменту муніципальної поліції міської ради", "uk"),
        ("Achiziție camere video", "Servicii de supraveghere video pentru primăria municipiului", "ro"),
    ],
)
def test_language(title: str, body: str, lang: str) -> None:
    assert detect_language(title, body) == lang


def test_declared_language_wins() -> None:
    assert detect_language("Supply of cameras", "", hint="pt-BR") == "pt"
    assert detect_language("", "12345") is None


def test_crawler_unix_times_and_day_first_export_dates() -> None:
    from procurewatch.parse.dates import parse_date

    assert parse_date("1609430400", 8) == "2021-01-01"  # midnight in Beijing, 16:00 UTC the day before
    assert parse_date("1609430400") == "2020-12-31"
    assert parse_date("1609430400000", 8) == "2021-01-01"  # milliseconds
    assert parse_date("18/12/13") == "2013-12-18"  # TED and Spanish exports write the day first
    assert parse_date("05.03.2021") == "2021-03-05"
    assert parse_date("2021/3/5") == "2021-03-05"


def test_notice_type_codes_count_only_as_whole_field_values() -> None:
    from procurewatch.parse.notice_type import notice_phase

    assert notice_phase("", "CAN") == "award"
    assert notice_phase("Scanning equipment", None) == "other"  # 'can' inside a word of a title
    assert notice_phase("示例项目 成 交 公 示", None) == "award"


@pytest.mark.parametrize(
    ("title", "phase"),
    [
        # a ceiling-price publicity, a portal's circular or a performance review is no call for bids
        ("吴中区示例河道新建工程招标人期望值(最高投标限价)12-22", "other"),
        ("示例区尹山湖医院扩建工程内部装修工程最高投标限价公示12-23", "other"),
        ("2025年3季度示例市公路水运工程从业单位履约考核结果公示", "other"),
        ("2025年示例市公路水运工程项目招标代理机构二季度工作情况公告", "other"),
        ("示例乐安浜闸站移建工程招标文件提前公示", "other"),
        ("[建设工程合同订立公开]示例大道供水管网扩容改造工程二标段施工合同", "contract"),
        ("示例市公安局关于示例分局警体中心建设项目磋商采购公告", "tender"),
        ("示例县中标通知书公示", "award"),
    ],
)
def test_phase_words_of_portal_listings(title: str, phase: str) -> None:
    assert notice_phase(title, None) == phase


def test_a_calls_ceiling_price_label_leaves_it_a_call() -> None:
    assert (
        notice_phase("示例路改造工程", None, "最高投标限价：130万元。招标公告：本工程已具备招标条件")
        == "tender"
    )


def test_a_heading_line_of_the_body_names_the_phase_before_its_table_words() -> None:
    opening = (
        "某县土地确权登记采购项目\n中标公告\n（招标编号：X-1）\n推荐名次 | 投标人名称\n"
        "推荐第一成交候选人 | 某某公司"
    )
    assert notice_phase("某县土地确权登记采购项目", None, opening) == "award"
    # a field's value is no heading: 磋商 names the procedure, the heading below names the phase
    listing = "某中学安保服务采购项目\n公告类型：竞争性磋商\n成 交 公 示"
    assert notice_phase("某中学安保服务采购项目", None, listing) == "award"
    # a long sentence is no heading: its words weigh in rule order as before
    assert notice_phase("", None, "受某局委托，现将本项目中标候选人公示如下：中标公告另行发布") == "other"
