"""Places from the offline gazetteer: longest match, short forms, context, no guessing."""

from __future__ import annotations

import pytest

from procurewatch.parse.places import find_place


def _triple(buyer: str = "", title: str = "", region: str = "", body: str = "") -> tuple:
    place = find_place(buyer, title, region, body)
    return None if place is None else (place.province, place.city, place.district, place.admin_code)


@pytest.mark.parametrize(
    ("buyer", "expected"),
    [
        ("宜昌市公安局", ("湖北省", "宜昌市", None, "420500")),
        ("合肥市公安局瑶海分局", ("安徽省", "合肥市", "瑶海区", "340102")),
        ("宜都市水利和湖泊局", ("湖北省", "宜昌市", "宜都市", "420581")),
        ("五峰土家族自治县住房和城乡建设局", ("湖北省", "宜昌市", "五峰土家族自治县", "420529")),
        ("上海市长宁区教育局", ("上海市", "上海市", "长宁区", "310105")),
        ("北京市公安局朝阳分局", ("北京市", "北京市", "朝阳区", "110105")),
        ("中国电信泉港分公司", ("福建省", "泉州市", "泉港区", "350505")),
        ("福建移动", ("福建省", None, None, "350000")),
        ("上海大学", ("上海市", "上海市", None, "310000")),
        ("杭州市临平区住房和城乡建设局", ("浙江省", "杭州市", "临平区", "330113")),
    ],
)
def test_place_from_buyer(buyer: str, expected: tuple) -> None:
    assert _triple(buyer) == expected


def test_same_named_district_is_not_guessed() -> None:
    assert _triple("鼓楼区公安分局") is None
    assert _triple("鼓楼区公安分局", region="福建") == ("福建省", "福州市", "鼓楼区", "350102")
    assert _triple("鼓楼区公安分局", title="南京市鼓楼区视频监控项目") == (
        "江苏省",
        "南京市",
        "鼓楼区",
        "320106",
    )


def test_contradicting_places_are_ignored() -> None:
    # 上海 inside a university's name in a Zhejiang notice is not the place
    title = "中国铁塔股份有限公司浙江省分公司2026年上海财经大学浙江学院校园设备采购项目"
    assert _triple(title=title, region="浙江") == ("浙江省", None, None, "330000")


def test_title_refines_the_buyer() -> None:
    title = "中国铁塔股份有限公司浙江省分公司2026年绍兴市分公司传输管道施工采购项目"
    assert _triple("中国铁塔股份有限公司浙江省分公司", title) == ("浙江省", "绍兴市", None, "330600")


def test_county_short_form_within_the_region() -> None:
    title = "铁塔能源有限公司福建分公司2026年上杭紫金矿区机房备电集成服务项目比选公告"
    assert _triple(title=title, region="福建") == ("福建省", "龙岩市", "上杭县", "350823")


def test_common_words_are_not_places_unless_a_branch_follows() -> None:
    assert _triple(title="中山路改造工程") is None
    assert _triple(title="某市公安分局办公家具采购") is None


def test_address_region_counts_after_the_buyer() -> None:
    region = "白马山院区位于伍家乡火光村二组"  # 马山 is also a county in Guangxi
    assert _triple("宜昌市伍家岗区社会福利院", region=region) == ("湖北省", "宜昌市", "伍家岗区", "420503")


def test_body_gives_the_city_by_clear_majority_only() -> None:
    body = "地点：洛阳市西工区\n送货至洛阳市\n洛阳市内\n郑州市"
    assert _triple("河南省第四监狱", body=body)[:2] == ("河南省", "洛阳市")
    assert _triple("河南省第四监狱", body="洛阳市 郑州市")[:2] == ("河南省", None)


def test_portal_host_places_a_notice_that_names_no_place() -> None:
    url = "https://ggzy.sc.yichang.gov.cn/jyxx/003001/003001004/20251230/x.html"
    place = find_place("", "某旅游岛项目监理三标段中标候选人公示", url=url)
    assert place is not None and (place.province, place.city, place.admin_code) == (
        "湖北省",
        "宜昌市",
        "420500",
    )
    assert find_place("", "某项目中标候选人公示", url="https://www.ccgp.gov.cn/cggg/x.htm") is None
    # the portal never overrides what the notice itself says
    place = find_place("枝江市公路事业发展中心", "", url=url)
    assert place is not None and place.district == "枝江市"


def test_county_short_form_inside_a_word_needs_a_known_province() -> None:
    assert _triple(title="高新区上方山院区房屋安全整治") is None  # 方山县 is in Shanxi
    title = "福建移动征集仓山园区5号楼客梯采购项目技术规范等文件意见的公告"
    assert _triple(title=title)[:3] == ("福建省", "福州市", "仓山区")


def test_a_bare_name_shared_across_levels_means_the_higher_unit() -> None:
    # 西安 is 西安市 (Shaanxi) and the short form of 西安区 (Jilin, Heilongjiang)
    assert _triple(title="西安国际港务区公变工程监理招标公告")[:2] == ("陕西省", "西安市")


def test_region_path_is_read_as_names() -> None:
    # 山城区 (鹤壁) inside the word 鼎山城区 must not beat the portal's own region path
    place = find_place("", "鼎山城区老旧楼院综合整治项目中标结果公告", "重庆>>江津区")
    assert (place.province, place.city, place.district) == ("重庆市", "重庆市", "江津区")


def test_county_name_glued_inside_a_word_needs_a_known_province() -> None:
    assert find_place("", "鼎山城区老旧楼院综合整治项目") is None


def test_small_namesake_does_not_outweigh_the_province_named_elsewhere() -> None:
    place = find_place("鹤山区示例街道办事处", "江西省示例道路工程")
    assert place.province == "江西省"


def test_renamed_prefectures_and_merged_cities_give_current_names() -> None:
    place = find_place("那曲地区教育局", "")
    assert (place.province, place.city, place.admin_code) == ("西藏自治区", "那曲市", "540600")
    assert find_place("", "那曲县示例项目").district == "色尼区"
    place = find_place("莱芜市公安局", "")
    assert (place.city, place.district, place.admin_code) == ("济南市", "莱芜区", "370116")


def test_a_short_prefecture_name_inside_a_town_name_is_no_place_of_its_own() -> None:
    # 南阳 (河南) inside 南阳镇 of 兴山县 (湖北): only full names of provinces and prefectures go first
    place = find_place("", "兴山县南阳镇营盘村重点村建设项目中标候选人公示")
    assert (place.province, place.district) == ("湖北省", "兴山县")


def test_a_region_that_lists_villages_is_an_address_not_a_path() -> None:
    place = find_place(
        "宜昌示例投资管理有限公司", "夷陵区鸦鹊岭镇道路改造工程中标结果公告", "鸦岭镇梅店村、五龙村、长寿村"
    )
    assert (place.city, place.district) == ("宜昌市", "夷陵区")


def test_a_renamed_countys_short_form_still_names_the_prefecture() -> None:
    place = find_place("中国移动江西公司上饶分公司", "")
    assert (place.city, place.district) == ("上饶市", None)


def test_a_town_named_like_a_county_elsewhere_takes_the_province_the_notice_names() -> None:
    # 龙泉镇 is a town in Hubei here, not 龙泉市 of Zhejiang
    body = "采购人：龙泉镇中心学校\n地址：湖北省宜昌市夷陵区龙泉镇"
    assert _triple("龙泉镇中心学校", "龙泉镇中心学校监控设备采购中标公告", body=body) == (
        "湖北省",
        "宜昌市",
        None,
        "420500",
    )
    assert _triple("龙泉镇中心学校") is None  # no province named: not guessed
    assert _triple("龙泉乡镇卫生院")[:2] == ("浙江省", "丽水市")  # the county's own townships
    # a small place shared by several provinces, and only a province named in the body
    assert _triple("城关镇派出所", body="项目地点：甘肃省某县城关镇") == ("甘肃省", None, None, "620000")


def test_the_portal_outweighs_a_short_namesake_but_not_a_full_name() -> None:
    # 太湖 of a Suzhou resort is not 太湖县 of Anhui; 南京 inside a university's name is not the place
    url = "http://www.szzyjy.com.cn/jyxx/1.html"
    assert find_place("", "太湖度假区金庭镇森林防火道路硬化工程最高投标限价公示", url=url).city == "苏州市"
    assert find_place("", "高新区南京大学苏州校区科创大厦改造工程中标结果公告", url=url).city == "苏州市"
    assert (
        find_place("", "太湖度假区金庭镇森林防火道路硬化工程").province == "安徽省"
    )  # no portal: the namesake
    # a city written in full in the title wins over the portal's division
    assert find_place("", "无锡市某路改造工程", url=url).city == "无锡市"
    # 东区 inside a word of a Shaanxi portal's title is not 攀枝花市东区
    shaanxi = "http://www.sxggzyjy.cn/jydt/1.html"
    title = "【港务区】枫林九溪东区D地块项目8#楼公寓精装修工程招标计划"
    place = find_place("", title, body=title, url=shaanxi)
    assert (place.province, place.city) == ("陕西省", None)


def test_a_zone_known_by_its_own_name_lies_in_its_unit() -> None:
    place = find_place("", "杨凌示范区医院自贸院区项目监理")
    assert (place.province, place.city) == ("陕西省", "咸阳市")
    assert find_place("", "雄安新区某道路工程").city == "保定市"


def test_an_address_opening_with_a_province_names_the_county_after_it() -> None:
    place = find_place("某新能源科技有限公司", "某项目二期工程施工中标结果公告", "湖北宜都化工园")
    assert (place.province, place.city, place.district) == ("湖北省", "宜昌市", "宜都市")
    # a short form that is also an ordinary word stays no place (公安 of 公安县 in 公安厅)
    place = find_place("", "某大楼维修", "湖北公安厅大楼")
    assert place is None or place.city is None


def test_a_name_inside_a_word_does_not_swallow_the_branch_name_after_it() -> None:
    # 集宁 (集宁区, Inner Mongolia) inside 征集宁德分公司 took the first character of 宁德
    place = find_place("福建移动", "福建移动征集宁德分公司2026年某项目采购技术规范等文件意见的公告", "福建")
    assert (place.province, place.city) == ("福建省", "宁德市")


@pytest.mark.parametrize("noise", ["", "\ud800", "采购项目\ud800"])
def test_a_lone_surrogate_reads_the_same_places(noise: str) -> None:
    # the fast finder reads UTF-8, which a lone surrogate (from JSON's \ud800) cannot be: every run of name
    # characters is read instead, with the same outcome
    title = f"{noise}宜昌市公安局{noise}视频监控{noise}"
    assert _triple(title=title) == ("湖北省", "宜昌市", None, "420500")
    assert _triple(title="某单位采购", body=f"{noise}项目地点：宜昌市{noise}。宜昌市") == _triple(
        title="某单位采购", body="项目地点：宜昌市。宜昌市"
    )


@pytest.mark.parametrize("before", ["", "2026年", "关于（", "x" * 40 + "，", "鼎"])
@pytest.mark.parametrize("after", ["", "分公司", "镇", "乡镇", "人民政府"])
def test_a_remembered_run_reads_as_the_automaton_reads_it_in_place(before: str, after: str) -> None:
    # what a run of name characters gives is remembered by the run's text (and, when its names are judged
    # by what surrounds it, by that too): read again at another offset, among other characters and from
    # memory, the names are those the automaton reading the whole text in place gives
    from procurewatch.parse.places import _gazetteer, _judged, _matches

    for short_forms, names in ((True, _gazetteer().any_form), (False, _gazetteer().full)):
        for text in (
            f"{before}征集宁德分公司{after}",
            f"{before}湖北宜昌市公安局，{before}宜都市水利局",
            f"{before}龙泉{after}，{before}朝阳{after}",
            f"{before}山城区{after}",
        ):
            in_place = [
                (type(candidates), candidates)
                for run in names.runs.finditer(text)
                for candidates in _judged(text, names.automaton.iter_long(text, *run.span()), names.automaton)
            ]
            for _ in range(2):  # the second time from memory
                assert [(type(c), c) for c in _matches(text, short_forms)] == in_place


def test_a_text_without_the_last_character_of_any_full_name_is_not_searched_for_one() -> None:
    from procurewatch.parse.places import _gazetteer, _matches

    full = _gazetteer().full
    # every full name holds a character of the scan that lets a body skip the finder
    names = list(full.automaton.keys())
    assert len(names) > 3000 and all(full.ends.search(name) for name in names)
    assert _matches("项目地点：宜昌", False) == []
    assert [d.name for m in _matches("项目地点：宜昌市", False) for d in m] == ["宜昌市"]
