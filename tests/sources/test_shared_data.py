"""Every real Chinese file in ../shared/data reads without a crash, one Document per notice."""

from __future__ import annotations

from pathlib import Path

import pytest

from procurewatch.sources import iter_documents

from .helpers import read_all

pytestmark = pytest.mark.shared


def test_eval_dev_chinese_docs_give_one_document_each(shared_data: Path) -> None:
    files = sorted((shared_data / "eval-dev" / "docs").glob("cn-*"))
    assert len(files) >= 180
    for path in files:
        docs, errors = read_all(path)
        assert not errors, errors
        assert len(docs) == 1, path
        doc = docs[0]
        assert doc.title.strip(), path
        assert len(doc.body) > 20, path
        expected_kind = {".pdf": "pdf", ".html": "html", ".json": "record"}[path.suffix]
        assert doc.kind == expected_kind


def test_eval_dev_pdf_titles_are_project_names(shared_data: Path) -> None:
    pdfs = sorted((shared_data / "eval-dev" / "docs").glob("cn-pdf-*.pdf"))
    titles = [doc.title for path in pdfs for doc in read_all(path)[0]]
    assert len(titles) == len(pdfs)
    assert "合肥市公安局瑶海分局雪亮工程支网一期、二期、三期运维服务采购项目" in titles
    assert not any("目录" in t or "......" in t for t in titles)


def test_bulk_jsonl_every_line_becomes_a_document(shared_data: Path) -> None:
    files = sorted((shared_data / "bulk").glob("cn-*/*.jsonl"))
    assert len(files) == 6
    for path in files:
        with open(path, "rb") as fh:
            lines = sum(1 for line in fh if line.strip())
        docs, errors = read_all(path)
        assert not errors
        assert len(docs) == lines
        assert [d.locator for d in docs[:2]] == ["1", "2"]
        assert all(d.title for d in docs)


def test_bulk_yichang_awards_have_buyer_supplier_and_award_amount(shared_data: Path) -> None:
    docs, _ = read_all(shared_data / "bulk" / "cn-yichang-ggzy-coomaso" / "parsed.jsonl")
    with_amount = [d for d in docs if d.hints.get("amounts")]
    assert all("buyer" in d.hints and d.hints.get("suppliers") for d in docs)
    assert len(with_amount) >= 1200
    assert {a["kind"] for d in with_amount for a in d.hints["amounts"]} == {"award"}
    consortia = [d for d in docs if len(d.hints["suppliers"]) > 1]
    assert consortia and all(not s.endswith("联合体") for d in consortia for s in d.hints["suppliers"])


def test_bulk_candidate_notices_have_no_suppliers(shared_data: Path) -> None:
    docs, _ = read_all(shared_data / "bulk" / "cn-yichang-ggzy-coomaso" / "hx_parsed.jsonl")
    assert docs and not any("suppliers" in d.hints for d in docs)


def test_bulk_csv_rows(shared_data: Path) -> None:
    docs, errors = read_all(shared_data / "bulk" / "cn-misc-portal-samples" / "tender_titles.csv")
    assert not errors and len(docs) == 176
    assert all(d.title for d in docs)
    with_url = [d for d in docs if d.url]
    assert len(with_url) >= 100 and all(d.url.startswith("http") for d in with_url)


def test_whole_chinese_bulk_folder_streams(shared_data: Path) -> None:
    total = sum(1 for _ in iter_documents([shared_data / "bulk" / "cn-telecom-operator-notices"]))
    assert total == 1605 + 646 + 497 + 87
