"""Ranked bidders of candidate notices: every rank, kept apart from the winners."""

from __future__ import annotations

from procurewatch.model import Document
from procurewatch.parse.candidates import candidates_from_text
from procurewatch.parse.notice import understand


def test_ranks_after_their_headings_without_punctuation_between() -> None:
    text = (
        "三、评审结果：第一中标候选人：甲乙农业专业合作社第二中标候选人：丙丁科技有限公司"
        "第三中标候选人：戊己开发有限公司四、投诉"
    )
    assert candidates_from_text(text) == [
        ("甲乙农业专业合作社", 1),
        ("丙丁科技有限公司", 2),
        ("戊己开发有限公司", 3),
    ]


def test_a_name_with_a_rank_word_inside_is_kept_whole() -> None:
    text = (
        "第一中标候选人：湖北某建设工程有限公司；第二中标候选人：中国某工业第二建设工程有限公司。"
        "招标人代表：***"
    )
    assert candidates_from_text(text)[1] == ("中国某工业第二建设工程有限公司", 2)


def test_name_before_its_rank() -> None:
    text = "河南某路桥建设有限公司为第二中标候选人，河南省某路桥工程有限公司为第三中标候选人。"
    assert candidates_from_text(text) == [("河南某路桥建设有限公司", 2), ("河南省某路桥工程有限公司", 3)]


def test_no_candidates_without_the_word() -> None:
    assert candidates_from_text("中标供应商：某某科技有限公司") == []


def test_a_candidate_notice_keeps_its_bidders_apart_from_winners() -> None:
    body = (
        "某市公安局视频监控项目中标候选人公示\n采购人：某市公安局\n"
        "第一中标候选人：甲科技有限公司\n第二中标候选人：乙科技有限公司\n第三中标候选人：丙科技有限公司\n"
    )
    notice = understand(
        Document(
            path="c.html", locator="", kind="html", title="某市公安局视频监控项目中标候选人公示", body=body
        )
    )
    assert [(c.name, c.rank) for c in notice.candidates] == [
        ("甲科技有限公司", 1),
        ("乙科技有限公司", 2),
        ("丙科技有限公司", 3),
    ]
    assert "乙科技有限公司" not in [p.name for p in notice.suppliers]
