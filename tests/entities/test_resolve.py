"""Each rule that puts names into one organisation, and the cases it must leave apart."""

from __future__ import annotations

from procurewatch.entities.resolve import Decision, NameSeen, literal_key, resolve


def _orgs(*names: str, groups: list[list[str]] = (), decisions: list[Decision] = ()):  # type: ignore[assignment]
    found = resolve([NameSeen(n, 1) for n in names], groups, decisions)
    return found, {n: found.names[n][0] for n in names}


def test_same_key_joins_legal_forms_width_and_script() -> None:
    names = (
        "杭州某某智能科技股份有限公司",
        "杭州某某智能科技有限公司",
        "杭州某某智能科技有限公司（集团）",
        "杭州某某智能科技有限公司",
    )
    found, org = _orgs(*names[:3], "杭州某某智能科技有限公司")
    assert len(set(org.values())) == 1
    assert {found.names[n][2] for n in names} == {"same-key"}


def test_a_vendor_alias_is_the_vendor() -> None:
    found, org = _orgs("杭州海康威视数字技术股份有限公司", "Hikvision Co., Ltd.", "ТОВ Хіквіжн")
    assert set(org.values()) == {"v-hikvision"}
    assert found.names["Hikvision Co., Ltd."][2] == "vendor-alias"
    assert found.organisations["v-hikvision"].name == "Hikvision"


def test_every_vendor_is_an_anchor_even_unmentioned() -> None:
    found, _ = _orgs("某某公司")
    assert "v-dahua" in found.organisations


def test_place_prefix_joins_a_company_with_and_without_its_city() -> None:
    found, org = _orgs("杭州某某威视数字技术有限公司", "某某威视数字技术有限公司")
    assert org["杭州某某威视数字技术有限公司"] == org["某某威视数字技术有限公司"]
    assert "place-prefix" in {found.names[n][2] for n in org}


def test_place_prefix_leaves_two_cities_of_one_name_apart() -> None:
    _, org = _orgs("杭州某某威视数字技术有限公司", "宁波某某威视数字技术有限公司", "某某威视数字技术有限公司")
    assert len(set(org.values())) == 3


def test_place_prefix_never_joins_public_bodies_or_short_names() -> None:
    _, org = _orgs("宜昌市公安局", "公安局", "杭州华为有限公司", "华为有限公司")
    assert org["宜昌市公安局"] != org["公安局"]
    assert org["杭州华为有限公司"] != org["华为有限公司"]  # 华为 has fewer than 5 characters


def test_fuzzy_joins_a_misspelling_within_one_procurement() -> None:
    a, b = "深圳市某某信息技术开发有限公司", "深圳市某某信息技木开发有限公司"
    found, org = _orgs(a, b, groups=[[a, b]])
    assert org[a] == org[b]
    assert "fuzzy-same-procurement" in {found.names[a][2], found.names[b][2]}


def test_fuzzy_needs_one_procurement_and_no_differing_numeral() -> None:
    a, b = "深圳市某某信息技术开发有限公司", "深圳市某某信息技木开发有限公司"
    _, org = _orgs(a, b)
    assert org[a] != org[b]
    c, d = "某某市第一建筑工程有限公司", "某某市第二建筑工程有限公司"
    _, org = _orgs(c, d, groups=[[c, d]])
    assert org[c] != org[d]


def test_a_branch_is_linked_to_its_parent_not_merged() -> None:
    found, org = _orgs("上海市公安局奉贤分局", "上海市公安局")
    branch = found.organisations[org["上海市公安局奉贤分局"]]
    assert branch.id != org["上海市公安局"]
    assert (branch.parent_id, branch.parent_rule) == (org["上海市公安局"], "branch")


def test_a_branch_parent_never_written_alone_is_still_an_organisation() -> None:
    found, org = _orgs("中国某某银行股份有限公司北京分行")
    parent = found.organisations[found.organisations[org["中国某某银行股份有限公司北京分行"]].parent_id]
    assert parent.name == "中国某某银行股份有限公司"
    assert parent.mentions == 0


def test_a_vendors_other_company_is_linked_to_the_vendor() -> None:
    found = resolve([NameSeen("某某海康代理有限公司", 1, {"supplier"}, "hikvision")])
    org = found.organisations[found.names["某某海康代理有限公司"][0]]
    assert (org.parent_id, org.parent_rule) == ("v-hikvision", "vendor-family")


def test_manual_merge_and_split() -> None:
    a, b = "中国移动浙江公司", "中国移动通信集团浙江有限公司"
    found, org = _orgs(a, b, decisions=[Decision("merge", "中国移动浙江", "中国移动通信集团浙江")])
    assert org[a] == org[b]
    assert found.names[b][2] == "manual-merge"
    c, d = "Axis Europe PLC", "Axis Europe Limited"
    found, org = _orgs(c, d, decisions=[Decision("split", "=" + literal_key(d))])
    assert org[c] != org[d]
    assert found.names[d][2] == "manual-split"


def test_a_split_name_escapes_the_vendor_alias_rule() -> None:
    name = "Hikvision"
    _, org = _orgs(name, decisions=[Decision("split", "=" + literal_key(name))])
    assert org[name] != "v-hikvision"


def test_organisation_ids_are_stable() -> None:
    _, first = _orgs("某某科技有限公司", "其他公司")
    _, again = _orgs("其他公司", "某某科技股份有限公司", "某某科技有限公司")
    assert first["某某科技有限公司"] == again["某某科技股份有限公司"] == again["某某科技有限公司"]


def test_a_lost_character_matches_the_one_key_it_can_be() -> None:
    found, org = _orgs("COMISI?N FEDERAL DE ELECTRICIDAD", "Comision Federal de Electricidad")
    assert len(set(org.values())) == 1
    assert found.names["COMISI?N FEDERAL DE ELECTRICIDAD"][2] == "lost-character"
    _, org = _orgs(
        "UNIVERSIDAD AUT?NOMA DE SUR", "Universidad Autonoma de Sur", "Universidad Autunoma de Sur"
    )
    assert len(set(org.values())) == 3  # two keys fit: neither is chosen
