"""Attachments beside a notice (same stem, a folder named after it, a folder per notice, an archive) are
read into the notice's `attachments` field, marked by file, and not read again as notices of their own."""

from __future__ import annotations

import json
from pathlib import Path

from procurewatch.pipeline import build_notice
from procurewatch.sources.attachment_text import section_of, sections
from procurewatch.web.pages.procurement import name_attached_files

from . import officemaker as make
from .helpers import read_all

PAGE = "<html><head><title>某县教育局办公设备采购公告</title></head><body><p>详见附件。</p></body></html>"


def test_the_common_layouts_are_linked(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "100.html").write_text(PAGE, encoding="utf-8")
    make.docx(site / "100_招标文件.docx", ["采购需求", "人脸识别门禁系统5套"])
    (site / "100_files").mkdir()
    make.xlsx(site / "100_files" / "报价表.xlsx", {"报价": [["名称", "单价"], ["人脸识别终端", 3000]]})
    (site / "200.html").write_text(PAGE.replace("教育局", "卫健委"), encoding="utf-8")
    make.docx(site / "300.docx", ["独立的公告：视频监控维保"])
    notice_dir = site / "2024" / "n1"
    notice_dir.mkdir(parents=True)
    (notice_dir / "notice.json").write_text(
        json.dumps({"title": "某市公安局采购项目", "content": "详见附件"})
    )
    make.docx(notice_dir / "附件1.docx", ["视频监控摄像机100台"])
    make.seven_zip(notice_dir / "附件2.7z", {"清单.txt": "车牌识别卡口".encode()})
    docs, errors = read_all(site)
    assert not errors
    by_name = {d.path.removeprefix(f"{site}/"): d for d in docs}
    assert sorted(by_name) == ["100.html", "200.html", "2024/n1/notice.json", "300.docx"]
    page = by_name["100.html"].attachments
    assert [s.name for s in sections(page)] == ["100_招标文件.docx", "100_files/报价表.xlsx"]
    assert "人脸识别门禁系统5套" in page and "人脸识别终端\t3000" in page
    record = by_name["2024/n1/notice.json"].attachments
    assert [s.name for s in sections(record)] == ["附件1.docx", "附件2.7z!清单.txt"]
    assert by_name["200.html"].attachments == "" and by_name["300.docx"].body == "独立的公告：视频监控维保"


def test_evidence_in_an_attachment_counts_for_its_notice_and_names_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "7.html").write_text(PAGE, encoding="utf-8")
    make.docx(folder / "7-采购需求.docx", ["技术要求", "人脸识别摄像机20台，人脸识别平台一套"])
    docs, _ = read_all(folder)
    notice = build_notice(docs[0])
    assert notice.surveillance.relevant
    spans = [e for c in notice.surveillance.categories for e in c.evidence if e.field == "attachments"]
    assert spans and all(notice.attachments[e.start : e.end] == e.text for e in spans)
    assert {section_of(notice.attachments, e.start) for e in spans} == {"7-采购需求.docx"}
    shown = {
        "attachments": notice.attachments,
        "evidence": [{"field": "attachments", "start_offset": spans[0].start}],
    }
    name_attached_files(shown)
    assert shown["evidence"][0]["file"] == "7-采购需求.docx"


def test_a_bad_attachment_is_named_and_the_notice_still_lands(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "9.html").write_text(PAGE, encoding="utf-8")
    make.docx(folder / "9_ok.docx", ["视频监控"])
    (folder / "9_cut.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    docs, errors = read_all(folder)
    assert [Path(d.path).name for d in docs] == ["9.html"]
    assert [s.name for s in sections(docs[0].attachments)] == ["9_ok.docx"]
    assert [Path(e.path).name for e in errors] == ["9_cut.xlsx"]


def test_a_file_holding_many_notices_keeps_its_files_as_notices(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "list.json").write_text(
        json.dumps([{"title": "甲公告", "content": "一"}, {"title": "乙公告", "content": "二"}])
    )
    make.docx(folder / "list_附件.docx", ["监控设备清单"])
    docs, errors = read_all(folder)
    assert not errors
    assert sorted(d.title for d in docs) == sorted(["甲公告", "乙公告", "监控设备清单"])
    assert all(not d.attachments for d in docs)


def test_files_given_one_by_one_are_not_linked(tmp_path: Path) -> None:
    (tmp_path / "5.html").write_text(PAGE, encoding="utf-8")
    make.docx(tmp_path / "5.docx", ["视频监控"])
    docs, _ = read_all(tmp_path / "5.docx")
    assert [d.kind for d in docs] == ["word"]
    docs, _ = read_all(tmp_path / "5.html")
    assert docs[0].attachments == ""


def test_records_naming_their_downloaded_files_get_them(tmp_path: Path) -> None:
    crawl = tmp_path / "crawl"
    (crawl / "files" / "a1").mkdir(parents=True)
    records = [
        {
            "title": "甲县公安局采购公告",
            "content": "详见附件",
            "attachments": ["https://x.gov.cn/up/%E9%9C%80%E6%B1%82.docx"],
        },
        {"title": "乙县教育局采购公告", "content": "<a href='/dl/price.xlsx?id=3'>报价表</a>"},
        {"title": "丙县卫健委公告", "content": "无附件"},
    ]
    (crawl / "notices.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    make.docx(crawl / "files" / "a1" / "需求.docx", ["人脸识别摄像机20台"])
    make.xlsx(crawl / "files" / "price.xlsx", {"报价": [["硬盘录像机", 3000]]})
    make.docx(crawl / "files" / "unnamed.docx", ["无人提及的文件"])
    make.docx(crawl / "named-but-never.docx", ["记录里没有的文件"])
    docs, errors = read_all(crawl)
    assert not errors
    by_title = {d.title: d for d in docs}
    assert sorted(by_title) == sorted(
        ["甲县公安局采购公告", "乙县教育局采购公告", "丙县卫健委公告", "无人提及的文件", "记录里没有的文件"]
    )
    assert [s.name for s in sections(by_title["甲县公安局采购公告"].attachments)] == ["files/a1/需求.docx"]
    assert [s.name for s in sections(by_title["乙县教育局采购公告"].attachments)] == ["files/price.xlsx"]
    assert by_title["丙县卫健委公告"].attachments == ""


def test_a_name_in_the_records_file_that_no_record_takes_is_read_on_its_own(tmp_path: Path) -> None:
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    (crawl / "list.jsonl").write_text(
        json.dumps({"title": "甲公告", "content": "一"})
        + "\n"
        + json.dumps({"title": "乙公告", "x": "a.docx"})
        + "\n"
        "not json but names b.docx\n"
    )
    make.docx(crawl / "a.docx", ["附件甲"])
    make.docx(crawl / "b.docx", ["附件乙"])
    docs, errors = read_all(crawl)
    assert [e.locator for e in errors] == ["3"]
    by_title = {d.title: d for d in docs}
    assert sorted(by_title) == sorted(["甲公告", "乙公告", "附件乙"])
    assert [s.name for s in sections(by_title["乙公告"].attachments)] == ["a.docx"]


def _docx_bytes(tmp_path: Path, name: str, paragraphs: list[str]) -> bytes:
    return make.docx(tmp_path / name, paragraphs).read_bytes()


def _crawl(tmp_path: Path) -> dict[str, bytes]:
    """A crawler's output in the three layouts: same stem, a folder named after the notice, a folder
    per notice; and a notice without files."""
    return {
        "2024/100.html": PAGE.encode(),
        "2024/100_招标文件.docx": _docx_bytes(tmp_path, "a.docx", ["人脸识别门禁系统5套"]),
        "2024/200.html": PAGE.replace("教育局", "公安局").encode(),
        "2024/200_files/清单.docx": _docx_bytes(tmp_path, "b.docx", ["车牌识别卡口10套"]),
        "2024/300.html": PAGE.replace("教育局", "卫健委").encode(),
        "n7/notice.json": json.dumps({"title": "某市公安局采购项目", "content": "详见附件"}).encode(),
        "n7/附件1.docx": _docx_bytes(tmp_path, "c.docx", ["视频监控摄像机100台"]),
    }


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_notices_in_an_archive_get_their_files_as_on_disk(tmp_path: Path) -> None:
    members = _crawl(tmp_path)
    inputs = tmp_path / "in"
    inputs.mkdir()
    _zip(inputs / "crawl.zip", members)
    make.seven_zip(inputs / "crawl.7z", members)
    make.rar4(inputs / "crawl.rar", members)
    docs, errors = read_all(inputs)
    assert not errors
    for archive in ("crawl.zip", "crawl.7z", "crawl.rar"):
        by_name = {d.path.split("!", 1)[1]: d for d in docs if f"/{archive}!" in d.path}
        assert sorted(by_name) == ["2024/100.html", "2024/200.html", "2024/300.html", "n7/notice.json"]
        assert [s.name for s in sections(by_name["2024/100.html"].attachments)] == ["100_招标文件.docx"]
        assert "人脸识别门禁系统5套" in by_name["2024/100.html"].attachments
        assert [s.name for s in sections(by_name["2024/200.html"].attachments)] == ["200_files/清单.docx"]
        assert [s.name for s in sections(by_name["n7/notice.json"].attachments)] == ["附件1.docx"]
        assert by_name["2024/300.html"].attachments == ""
        notice = build_notice(by_name["n7/notice.json"])
        assert any(e.field == "attachments" for c in notice.surveillance.categories for e in c.evidence)


def test_an_archive_member_climbing_out_is_named_and_the_rest_is_linked(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    members = {
        "9.html": PAGE.encode(),
        "../9_evil.docx": _docx_bytes(tmp_path, "e.docx", ["视频监控"]),
        "9_ok.docx": _docx_bytes(tmp_path, "o.docx", ["视频监控平台"]),
    }
    make.rar4(inputs / "bad.rar", members)
    docs, errors = read_all(inputs)
    assert [d.path.split("!", 1)[1] for d in docs] == ["9.html"]
    assert [s.name for s in sections(docs[0].attachments)] == ["bad.rar!9_ok.docx"]
    assert [e.path.split("!", 1)[1] for e in errors] == ["../9_evil.docx"]
    assert "leaves the archive" in errors[0].reason


def test_past_the_cap_an_archive_is_read_unlinked_and_nothing_is_lost(tmp_path: Path, monkeypatch) -> None:
    from procurewatch.sources import archive_attachments

    monkeypatch.setattr(archive_attachments, "_caps", lambda: (2, 1 << 30, 0))
    inputs = tmp_path / "in"
    inputs.mkdir()
    make.seven_zip(inputs / "big.7z", _crawl(tmp_path))
    docs, errors = read_all(inputs)
    assert not errors
    assert len(docs) == 7 and all(not d.attachments for d in docs)
