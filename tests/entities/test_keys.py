"""organisation_key: one key for the spellings of one organisation, different keys for different ones."""

from __future__ import annotations

import pytest

from procurewatch.entities.keys import organisation_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("杭州海康威视数字技术股份有限公司", "杭州海康威视数字技术有限公司"),  # legal form
        ("浙江大华技术股份有限公司", "浙江大华技术有限责任公司"),
        ("某某科技(集团)有限公司", "某某科技有限公司"),  # bracketed legal form
        ("杭州海康威视數字技術股份有限公司", "杭州海康威视数字技术股份有限公司"),  # Traditional
        ("ＡＢＣ科技有限公司", "abc科技有限公司"),  # full width, case
        ("上海市公安局奉贤分局（本部）", "上海市公安局奉贤分局(本部)"),  # brackets
        ("Hikvision Co., Ltd.", "HIKVISION"),  # Latin legal form and case
        ("Siemens GmbH & Co. KG", "Siemens"),
        ("Telefónica S.A. de C.V.", "Telefonica"),  # accents
        ("ТОВ «Хіквіжн»", "Хіквіжн"),  # Cyrillic legal form before the name
        ("某某 科技 有限公司", "某某科技有限公司"),  # spacing
        ("【某某】科技有限公司", "某某科技有限公司"),
        ("中国铁塔漳州市分公司", "中国铁塔漳州分公司"),  # 市 before a branch word
    ],
)
def test_spellings_of_one_organisation_share_a_key(a: str, b: str) -> None:
    assert organisation_key(a) == organisation_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("上海市公安局", "上海市公安局奉贤分局"),  # a branch is not its parent
        ("中国电信股份有限公司", "中国电信股份有限公司泉州分公司"),
        ("杭州市公安局", "温州市公安局"),
        ("某某第一中学", "某某第二中学"),
    ],
)
def test_different_organisations_keep_different_keys(a: str, b: str) -> None:
    assert organisation_key(a) != organisation_key(b)


def test_a_branch_keeps_its_branch_word() -> None:
    assert organisation_key("中国移动通信集团福建有限公司莆田分公司") == "中国移动通信集团福建莆田分公司"


def test_a_name_that_is_only_a_legal_form_keeps_a_key() -> None:
    assert organisation_key("公司") == "公司"
    assert organisation_key("Ltd.") == "ltd"
    assert organisation_key("  ") == ""
