"""bench/accuracy.py reads label files that name notices by path and locator (a tiny fixture of our own)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "accuracy.py"


@pytest.fixture(scope="module")
def accuracy():
    spec = importlib.util.spec_from_file_location("bench_accuracy", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_accuracy"] = module
    spec.loader.exec_module(module)
    return module


NOTICES = [
    {
        "title": "某区公共安全视频监控运维服务采购",
        "content": "采购内容：视频监控前端点位运维。",
        "buyer": "某区公安分局",
    },
    {"title": "某单位办公楼空调采购", "content": "采购内容：多联机空调。", "buyer": "某单位"},
    {"title": "某小区老旧小区改造工程", "content": "改造内容：给排水、强电、弱电、视频监控、绿化、道路。"},
]


def label(path: str, locator: str, surveillance: bool, role: str | None, family: str | None = None) -> dict:
    out = {
        "path": path,
        "locator": locator,
        "surveillance": surveillance,
        "categories": ["video_surveillance"] if surveillance else [],
        "buyer": None,
        "suppliers": [],
        "amount": None,
        "country": "CN",
        "province": None,
        "city": None,
        "notice_type": "other",
        "basis": "test",
        "confidence": "high",
        "stratum": "random",
        "lang": "zh",
        "role": role,
    }
    if family:
        out["family"] = family
    return out


@pytest.fixture()
def shared(tmp_path: Path) -> Path:
    root = tmp_path / "shared"
    (root / "bulk" / "cn-fixture").mkdir(parents=True)
    lines = "\n".join(json.dumps(n, ensure_ascii=False) for n in NOTICES) + "\n"
    (root / "bulk" / "cn-fixture" / "notices.jsonl").write_text(lines, "utf-8")
    (root / "one").mkdir()
    (root / "one" / "cn-one-0001.json").write_text(json.dumps(NOTICES[1], ensure_ascii=False), "utf-8")
    return root


def test_label_file_cases_by_path_and_locator(accuracy, shared: Path, tmp_path: Path, monkeypatch) -> None:
    from procurewatch.pipeline import extract

    bulk = "bulk/cn-fixture/notices.jsonl"
    locators = [n.locator for n in extract([shared / bulk])]
    assert len(locators) == 3
    labels = [
        label(bulk, locators[2], True, "component", family="bulk-cn-fixture"),
        label(bulk, locators[0], True, "primary", family="bulk-cn-fixture"),
        label(bulk, locators[1], False, None, family="bulk-cn-fixture"),
        label("one/cn-one-0001.json", "", False, None),
        label(bulk, "999", False, None, family="bulk-cn-fixture"),
    ]
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(json.dumps(lb, ensure_ascii=False) for lb in labels) + "\n", "utf-8")

    calls: list[list[Path]] = []

    def counting_extract(paths):
        calls.append(list(paths))
        return extract(calls[-1])

    monkeypatch.setattr(accuracy, "extract", counting_extract)
    cases = accuracy.load_labelled_notices([path], shared)
    assert len(calls) == 2  # each referenced file once
    assert [c.record["title"] if c.record else None for c in cases] == [
        NOTICES[2]["title"],
        NOTICES[0]["title"],
        NOTICES[1]["title"],
        NOTICES[1]["title"],
        None,
    ]
    assert "999" in cases[4].error
    assert [c.source_family for c in cases[:4]] == ["bulk-cn-fixture"] * 3 + ["cn-one"]

    figures = {f.name: f for f in accuracy.family_figures([c for c in cases if c.record])}
    bulk_fig = figures["bulk-cn-fixture"]
    assert (bulk_fig.detection.tp, bulk_fig.detection.fp, bulk_fig.detection.tn) == (2, 0, 1)
    assert (bulk_fig.role_hits, bulk_fig.role_total) == (2, 2)
    assert bulk_fig.fp_rate == 0.0


def test_cli_accepts_label_files_alone(accuracy, shared: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "y.jsonl"
    path.write_text(
        json.dumps(label("one/cn-one-0001.json", "", False, None), ensure_ascii=False) + "\n", "utf-8"
    )
    assert accuracy.main(["--labels", str(path), "--shared", str(shared)]) == 0
    out = capsys.readouterr().out
    assert "Per source family" in out and "cn-one" in out and "score band" in out


def test_family_from_file_name(accuracy) -> None:
    case = accuracy.Case("cn-jiangxi-0041.json", {"lang": "zh"}, None)
    assert case.source_family == "cn-jiangxi"
    assert accuracy.Case("ted-eu-0001.json", {}, None).source_family == "ted-eu"
