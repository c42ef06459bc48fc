"""The object, domain and service knowledge files: well formed, and each entry does what it says."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from procurewatch.detect import detect
from procurewatch.detect.lexicon import lexicon
from procurewatch.model import Notice

TAXONOMY = resources.files("procurewatch") / "data" / "taxonomy"


def load(name: str):
    return json.loads((TAXONOMY / name).read_text(encoding="utf-8"))


def relevant(title: str, body: str = "") -> bool:
    notice = Notice(id="t", fingerprint="f", path="p", locator="l", kind="record", title=title, body=body)
    return detect(notice).surveillance.relevant


DOMAINS = load("domains.json")["domains"]


@pytest.mark.parametrize("domain", DOMAINS, ids=[d["id"] for d in DOMAINS])
def test_domain_examples(domain: dict) -> None:
    # the negative example is ruled out whether it stands in the title or, without a title, in the
    # body's object part
    assert not relevant(domain["negative"]), domain["negative"]
    assert not relevant("", "采购内容：" + domain["negative"]), domain["negative"]
    assert relevant(domain["positive"]), domain["positive"]


@pytest.mark.parametrize("domain", DOMAINS, ids=[d["id"] for d in DOMAINS])
def test_domain_targets_something(domain: dict) -> None:
    rules = [r for rs in lexicon().rules_for.values() for r in rs if r.domain == domain["id"]]
    assert rules, f"domain {domain['id']} targets no known term"
    assert domain["words"] and domain["about"]


SERVICES = load("services.json")
WRAP = [(service, words[0]) for service, words in SERVICES["wrap"].items()]


@pytest.mark.parametrize(("service", "word"), WRAP, ids=[w[0] for w in WRAP])
def test_wrap_service_of_works_with_cctv_is_not_surveillance(service: str, word: str) -> None:
    body = "项目内容：教学楼土建、装饰、给排水、电气、视频监控系统、门禁系统。"
    assert not relevant(f"某学校教学楼建设项目{word}", body), word
    assert relevant(f"某县雪亮工程视频监控{word}", body), word


@pytest.mark.parametrize("word", SERVICES["works"][:6])
def test_design_and_build_is_works_not_a_service(word: str) -> None:
    assert relevant(f"某学校教学楼{word}项目", "建设内容：土建、装饰、给排水、视频监控系统。")


@pytest.mark.parametrize("name", SERVICES["not_service"][:4])
def test_organisation_names_are_not_services(name: str) -> None:
    assert relevant(f"某{name}办公区设备采购", "采购内容：网络摄像机20台、硬盘录像机1台。")


def test_sections_file_shape() -> None:
    sections = load("sections.json")
    for kind in ("object", "boilerplate", "stop"):
        assert sections[kind] and all(isinstance(h, str) and h for h in sections[kind])
    assert set(sections["zone_chars"]) == {"object", "boilerplate"}
    assert 0 < sections["list"]["long_factor"] <= sections["list"]["factor"] <= 1
