"""HTML pages: GBK with, without and with a wrong meta charset; hostile content dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import only_document

TITLE = "某市公安局视频监控系统建设项目中标公告"
PARAGRAPHS = [
    "一、项目名称：某市公安局视频监控系统建设项目",
    "二、中标供应商：示例智能科技有限公司",
    "三、中标金额：人民币肆佰叁拾柒万陆仟柒佰柒拾元整",
]


def page(meta: str) -> str:
    paras = "".join(f"<p>{p}</p>\n" for p in PARAGRAPHS)
    return (
        f"<html><head>{meta}<title>{TITLE} - 某市政府采购网</title>"
        '<meta name="SiteName" content="某市政府采购网">'
        "<style>p { color: red }</style>"
        '<script>document.write("脚本不应出现")</script></head>'
        f"<body><div class='nav'>首页 &gt; 结果公告</div><h2>{TITLE}</h2>{paras}"
        "<table><tr><td>品目</td><td>数量</td></tr><tr><td>高清摄像机</td><td>46台</td></tr></table>"
        "<noscript>请启用脚本</noscript><div style='display: none'>隐藏的关键词 人脸识别</div>"
        "</body></html>"
    )


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="gbk">',
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
        "",  # no declaration at all
        '<meta charset="utf-8">',  # wrong: the bytes are GBK
        '<meta charset="iso-8859-1">',  # wrong, and a charset that decodes any bytes
    ],
    ids=["meta-gbk", "http-equiv-gb2312", "no-meta", "wrong-utf8", "wrong-latin1"],
)
def test_gbk_page_decodes_whatever_it_declares(tmp_path: Path, meta: str) -> None:
    target = tmp_path / "notice.html"
    target.write_bytes(page(meta).encode("gbk"))
    doc = only_document(target)
    assert doc.kind == "html"
    assert doc.title == TITLE
    for paragraph in PARAGRAPHS:
        assert paragraph in doc.body.split("\n")
    assert "高清摄像机 46台" in doc.body


def test_scripts_styles_and_hidden_text_are_dropped(tmp_path: Path) -> None:
    target = tmp_path / "notice.html"
    target.write_bytes(page('<meta charset="gbk">').encode("gbk"))
    body = only_document(target).body
    for unseen in ("脚本不应出现", "color: red", "请启用脚本", "隐藏的关键词"):
        assert unseen not in body


def test_gb18030_only_characters_survive_a_gb2312_declaration(tmp_path: Path) -> None:
    # 猇 and 珺 are outside GB2312: pages declaring gb2312 really use GBK/GB18030.
    html = (
        '<html><head><meta charset="gb2312"><title>猇亭区珺琪路监控</title></head>'
        "<body><h1>猇亭区珺琪路监控</h1></body></html>"
    )
    target = tmp_path / "rare.html"
    target.write_bytes(html.encode("gb18030"))
    assert only_document(target).title == "猇亭区珺琪路监控"


def test_canonical_url_h1_title_and_paragraph_breaks(tmp_path: Path) -> None:
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>网站</title>'
        '<link rel="canonical" href="https://www.example.gov.cn/cggg/2025/1.html">'
        "</head><body><h1>  某区天网工程\n 维保服务  采购公告 </h1>"
        "<div>第一段<br>第二行&nbsp;&nbsp;有空格</div><p>第三段</p>"
        '<a href="javascript:alert(1)">链接</a></body></html>'
    )
    target = tmp_path / "u.html"
    target.write_text(html, encoding="utf-8")
    doc = only_document(target)
    assert doc.url == "https://www.example.gov.cn/cggg/2025/1.html"
    assert doc.title == "某区天网工程 维保服务 采购公告"
    assert doc.body.split("\n") == [
        "某区天网工程 维保服务 采购公告",
        "第一段",
        "第二行 有空格",
        "第三段",
        "链接",
    ]


def test_html_detected_by_content_not_extension(tmp_path: Path) -> None:
    target = tmp_path / "notice.dat"
    target.write_bytes(page("").encode("gbk"))
    assert only_document(target).kind == "html"
