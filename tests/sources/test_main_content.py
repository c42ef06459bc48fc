"""Portal pages: the notice body is kept, the page's chrome is not, and evidence points into what is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from procurewatch.pipeline import build_notice
from procurewatch.sources.main_content import drop_chrome_lines

from .helpers import only_document

TITLE = "某市公安局雪亮工程视频监控建设项目中标（成交）结果公告"
AWARD = "中标（成交）金额：437.677万元"
SUPPLIER = "供应商名称：示例智能科技有限公司"
NAV = ("政采法规", "购买服务", "监督检查", "国际专栏")
RELATED = ("某县教育局课桌椅采购项目中标公告", "某市医院医疗设备采购项目招标公告", "某区道路维修工程成交公告")
FOOTER = "主办单位：某省财政厅 版权所有 网站标识码 bm14000002 京ICP备1234号"


def portal_page() -> str:
    """Shaped like a national/provincial 政府采购网 detail page: a header with the site's navigation, a
    breadcrumb, the notice (heading, summary table, body), a related-notices list and a footer."""
    nav = "".join(f'<li><a href="/{i}/">{name}</a></li>' for i, name in enumerate(("首页", *NAV)))
    related = "".join(
        f'<li><a href="/n/{i}.htm">{t}</a><span>2025-07-1{i}</span></li>' for i, t in enumerate(RELATED)
    )
    return (
        '<html><head><meta charset="utf-8"><meta name="SiteName" content="某省政府采购网">'
        f'<meta name="ArticleTitle" content="{TITLE}"><title>{TITLE}</title></head><body>'
        '<div class="v4incheadertop"><p class="cl">财政部指定政府采购信息发布媒体</p>'
        f'<div class="v4incheadertop_nav"><ul class="v4incheadertop_nav_ls">{nav}</ul></div></div>'
        '<div class="main"><div class="vF_deail_currentloc"><p>当前位置：<a href="/">首页</a> &raquo; '
        '<a href="/cggg/">政采公告</a> &raquo; <a href="/zbgg/">中标公告</a></p></div>'
        '<div class="vF_detail_main"><div class="vF_detail_header">'
        f'<h2 class="tc">{TITLE}</h2>'
        '<p class="tc">2025年07月14日 来源： 【<span id="printBtn">打印</span>】</p></div>'
        "<div class='table'><table><tr><td class='title'>采购单位</td><td>某市公安局</td></tr>"
        "<tr><td class='title'>总中标金额</td><td>￥437.677 万元（人民币）</td></tr></table></div>"
        '<div class="vF_detail_content"><p>一、项目编号：SDGP3700000002025</p>'
        "<p>二、项目名称：某市公安局雪亮工程视频监控建设项目</p>"
        f"<p>三、中标（成交）信息：</p><p>{SUPPLIER}</p><p>{AWARD}</p>"
        "<p>四、主要标的信息：高清网络摄像机 120台，人脸识别卡口 8套</p>"
        '<p>附件：<a href="/files/zbtz.pdf">中标通知书.pdf</a> <a href="/files/list.xls">分项报价表.xls</a> '
        '<a href="/files/cs.docx">采购合同.docx</a></p></div>'
        f'<div class="xggg"><h3>相关公告</h3><ul>{related}</ul></div></div></div>'
        f'<div class="footer"><p>{FOOTER}</p><p><a href="/about">关于我们</a> <a href="/map">网站地图</a> '
        '<a href="/contact">联系我们</a></p></div>'
        "</body></html>"
    )


@pytest.fixture
def page_doc(tmp_path: Path):  # type: ignore[no-untyped-def]
    target = tmp_path / "notice.html"
    target.write_text(portal_page(), encoding="utf-8")
    return only_document(target)


def test_the_notice_body_is_kept(page_doc) -> None:  # type: ignore[no-untyped-def]
    assert page_doc.title == TITLE
    for kept in (TITLE, AWARD, SUPPLIER, "人脸识别卡口 8套", "中标通知书.pdf", "采购合同.docx", "某市公安局"):
        assert kept in page_doc.body
    assert any("总中标金额" in row for table in page_doc.hints["tables"] for row in table)


def test_the_page_chrome_is_dropped(page_doc) -> None:  # type: ignore[no-untyped-def]
    for chrome in (
        *NAV,
        *RELATED,
        "当前位置",
        "政采公告",
        "主办单位",
        "网站地图",
        "财政部指定",
        "打印",
        "相关公告",
    ):
        assert chrome not in page_doc.body, chrome


def test_evidence_points_into_the_kept_body(page_doc) -> None:  # type: ignore[no-untyped-def]
    notice = build_notice(page_doc)
    assert notice.surveillance.relevant
    evidence = [e for c in notice.surveillance.categories for e in c.evidence]
    assert evidence
    for e in evidence:
        assert getattr(notice, e.field)[e.start : e.end] == e.text
    assert notice.amount is not None and round(notice.amount.value) == 4376770


def test_a_notice_inside_a_chrome_named_block_is_kept_whole(tmp_path: Path) -> None:
    """A page whose only content sits in a block named like chrome (class="top") keeps its text."""
    lines = [f"<p>第{i}条：{SUPPLIER}，{AWARD}</p>" for i in range(8)]
    target = tmp_path / "p.html"
    target.write_text(f'<html><body><div class="top">{"".join(lines)}</div></body></html>', encoding="utf-8")
    doc = only_document(target)
    assert doc.body.count(AWARD) == 8


def test_a_table_header_row_is_content(tmp_path: Path) -> None:
    """Rows and cells keep their text whatever their class says (a crawler's saved 内蒙古 notice)."""
    table = (
        '<table id="projectBundleList"><tr class="tableHeader"><td>包号</td><td>中标供应商</td>'
        "<td>中标金额(元)</td></tr><tr><td>1包</td><td>示例家具制造有限公司</td><td>1,090,602.00</td></tr></table>"
    )
    target = tmp_path / "p.html"
    target.write_text(
        f"<html><body><p>{TITLE}</p><p>3、中标供应商：</p>{table}</body></html>", encoding="utf-8"
    )
    doc = only_document(target)
    assert "包号 中标供应商 中标金额(元)" in doc.body
    assert doc.hints["tables"][0][0] == ["包号", "中标供应商", "中标金额(元)"]


def test_lines_that_are_chrome_go_and_a_related_tail_is_cut() -> None:
    text = "\n".join(
        (
            "首页--信息公告--结果公告--正文",
            f"{TITLE}",
            "招标编号：X-1 发布日期：2015年04月29日 【打印】",
            AWARD,
            "技术支持：某某科技",
            "相关公告",
            "招标公告 某某项目招标公告 [2015-03-27]",
            "【关闭】",
        )
    )
    assert drop_chrome_lines(text).split("\n") == [TITLE, "招标编号：X-1 发布日期：2015年04月29日", AWARD]


def test_a_related_heading_in_the_middle_of_a_notice_is_text() -> None:
    text = "\n".join(
        (
            "项目概况",
            "相关公告",
            *([f"{AWARD}，第{i}包的详细说明与技术参数要求如下所述。" * 2 for i in range(10)]),
        )
    )
    assert drop_chrome_lines(text) == text
