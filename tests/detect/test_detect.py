"""Detection on real-shaped notices written for these tests."""

from __future__ import annotations

import pytest
from tests.detect.notices import make

from procurewatch.detect import detect
from procurewatch.detect.folding import normalise
from procurewatch.detect.vendors import resolve_vendor
from procurewatch.model import TEXT_FIELDS, Notice


def categories(notice: Notice) -> set[str]:
    found = detect(notice)
    return {c.id for c in found.surveillance.categories} if found.surveillance.relevant else set()


def assert_offsets(notice: Notice) -> None:
    found = detect(notice)
    evidence = [e for c in found.surveillance.categories for e in c.evidence]
    evidence += [e for v in found.vendors_mentioned for e in v.evidence]
    assert evidence, "expected some evidence"
    for e in evidence:
        assert e.field in TEXT_FIELDS
        assert getattr(notice, e.field)[e.start : e.end] == e.text


POSITIVES = [
    ("zh", "某县公安局2025年雪亮工程视频监控点位建设项目", "", {"campaign_programs", "video_surveillance"}),
    ("zh", "某区公共安全视频监控运维服务采购", "", {"video_surveillance"}),
    ("zh", "某市公安局人脸识别系统采购项目", "", {"facial_recognition"}),
    ("zh", "治安卡口及车牌识别系统建设", "", {"vehicle_anpr"}),
    ("zh", "刑侦支队电子数据取证设备采购", "", {"mobile_forensics"}),
    ("zh", "公安局DNA实验室Y-STR检测试剂及DNA数据库建设", "", {"dna_biometrics"}),
    ("zh", "声纹采集系统采购", "", {"voiceprint"}),
    ("zh", "重点人员虹膜采集设备", "", {"iris", "predictive_key_persons"}),
    ("zh", "某市公安局警务云平台二期", "", {"big_data_platform"}),
    ("zh", "警用地理信息系统(PGIS)升级", "", {"pgis"}),
    ("zh", "一标三实基础信息采集服务", "", {"population_registry_grid"}),
    ("zh", "县委宣传部网络舆情监测服务", "", {"public_opinion_monitoring"}),
    ("zh", "派出所执法记录仪采购", "", {"drones_bodycams_radio"}),
    ("zh", "WiFi探针及侦码设备采购", "", {"phone_tracking"}),
    (
        "zh",
        "视频结构化平台（含少数民族识别、种族属性分析）",
        "",
        {"ethnicity_detection", "video_surveillance"},
    ),
    (
        "en",
        "Town centre CCTV upgrade",
        "Replacement of public space surveillance cameras.",
        {"video_surveillance"},
    ),
    ("en", "ANPR cameras for the ring road", "", {"vehicle_anpr"}),
    ("en", "Body worn video cameras for officers", "", {"drones_bodycams_radio"}),
    ("en", "Live facial recognition vans", "", {"facial_recognition"}),
    ("en", "Supply of IMSI catchers", "", {"phone_tracking"}),
    ("es", "Adquisición de cámaras de videovigilancia para el municipio", "", {"video_surveillance"}),
    (
        "es",
        "Sistema de lectura de placas y reconocimiento facial",
        "",
        {"vehicle_anpr", "facial_recognition"},
    ),
    ("pt", "Sistema de videomonitoramento urbano com câmeras de segurança", "", {"video_surveillance"}),
    ("pt", "Aquisição de câmeras corporais para a Polícia Militar", "", {"drones_bodycams_radio"}),
    ("fr", "Extension du système de vidéoprotection de la commune", "", {"video_surveillance"}),
    ("fr", "Caméras-piétons pour la police municipale", "", {"drones_bodycams_radio"}),
    (
        "ru",
        "Поставка камер видеонаблюдения для проекта «Безопасный город»",
        "",
        {"video_surveillance", "campaign_programs"},
    ),
    ("ru", "Система распознавания лиц в метро", "", {"facial_recognition"}),
    ("uk", "Закупівля системи відеоспостереження", "", {"video_surveillance"}),
    ("uk", "Нагрудні відеореєстратори для патрульної поліції", "", {"drones_bodycams_radio"}),
    ("uk", "Система розпізнавання номерних знаків", "", {"vehicle_anpr"}),
    ("ro", "Achiziție sistem de supraveghere video stradal", "", {"video_surveillance"}),
    (
        "ro",
        "Camere cu recunoaștere facială și citire a numerelor de înmatriculare",
        "",
        {"facial_recognition", "vehicle_anpr"},
    ),
]


@pytest.mark.parametrize(("lang", "title", "body", "expected"), POSITIVES, ids=[p[1][:24] for p in POSITIVES])
def test_category_positives_in_many_languages(lang: str, title: str, body: str, expected: set[str]) -> None:
    assert expected <= categories(make(title, body))


NEGATIVES = [
    "某县公安局办公楼空调采购",
    "监狱罪犯伙食配送服务",
    "某市第一中学图书采购",
    "Cleaning services for the police headquarters",
    "Suministro de uniformes para la policía",
]


@pytest.mark.parametrize("title", NEGATIVES)
def test_generic_purchases_by_police_buyers_are_not_surveillance(title: str) -> None:
    assert not detect(make(title)).surveillance.relevant


# (rule, negative that the rule must catch, positive that must survive it)
FALSE_FRIENDS = [
    ("监控 SCADA", "城乡供水管网监控系统采购项目", "供水管网改造，另含泵房视频监控摄像机8台"),
    ("监控 动环", "机房动环监控系统维保", "机房视频监控系统维保"),
    ("监控 power", "机柜智能安全用电监控服务", "小区室外监控系统及治安监控建设"),
    ("平安 company", "某某平安建设工程有限公司办公家具采购", "平安城市视频监控建设"),
    ("平安 bank", "平安银行营业网点装修工程", "平安乡镇建设项目"),
    ("人像比对 exam", "2025年考点考生人像比对设备采购", "公安局人像比对布控平台建设"),
    ("人像比对 hotel", "酒店入住人证比对终端采购", "人脸抓拍卡口建设"),
    ("舆情 brand", "集团公司品牌舆情监测服务", "县委网信办网络舆情监测平台"),
    ("电子围栏 fence", "隔离防护栏及电子围栏（脉冲主机）采购安装", "手机侦码及IMSI电子围栏采集设备"),
    ("取证 certificate", "特种作业人员取证培训服务", "电子数据取证工作站采购"),
    ("drone mapping", "无人机航测及正射影像服务", "警用无人机巡逻系统"),
    ("video conference", "视频会议系统升级改造", "视频监控系统升级改造"),
    ("IPTV", "IPTV视频云点播平台扩容", "公共安全视频云平台扩容"),
    (
        "camera lab",
        "High speed camera for the wind tunnel laboratory",
        "CCTV cameras for the hospital car park",
    ),
    ("camera medical", "Ophthalmology fundus camera and slit lamp", "Security cameras for the council depot"),
    (
        "surveillance epidemiology",
        "Disease surveillance and outbreak reporting software",
        "Video surveillance of the bus station",
    ),
    (
        "surveillance market",
        "Market surveillance of product safety by trading standards",
        "Public space CCTV surveillance",
    ),
    (
        "vigilancia guards",
        "Servicio de vigilancia intramuros con guardias armados",
        "Servicio de videovigilancia con cámaras",
    ),
    ("vigilancia health", "Programa de vigilancia epidemiológica", "Sistema de cámaras de vigilancia urbana"),
    (
        "monitorizare water",
        "Monitorizarea calității apei în rețeaua de distribuție",
        "Monitorizare video a intersecțiilor",
    ),
    (
        "supraveghere works",
        "Servicii de supraveghere tehnică a lucrărilor de construcții",
        "Sistem de supraveghere video în oraș",
    ),
    ("surveillance fr", "Surveillance des travaux de chantier", "Système de vidéosurveillance urbaine"),
    ("安防 guardrail", "公路安防工程（波形梁护栏）", "小区安防监控系统"),
    (
        "confidentiality",
        "乙方人员不得携带录像设备进入监区，不得泄露安防设施情况。采购猪肉",
        "采购硬盘录像机及摄像机并安装",
    ),
    ("探针 network", "电子政务网络探针建设", "WiFi探针采集系统建设"),
]


@pytest.mark.parametrize(("rule", "negative", "positive"), FALSE_FRIENDS, ids=[f[0] for f in FALSE_FRIENDS])
def test_false_friend_rules(rule: str, negative: str, positive: str) -> None:
    assert not detect(make(negative)).surveillance.relevant, negative
    assert detect(make(positive)).surveillance.relevant, positive


def test_body_explains_title_word() -> None:
    notice = make("行业电子围栏设备及服务项目", "采购隔离防护栏、电子围栏（脉冲）、防撞栏等设备。")
    assert not detect(notice).surveillance.relevant


def test_title_establishes_false_friend_for_the_body() -> None:
    exam = make(
        "某市教育考试院考生身份验证系统（人像比对）采购项目成交公告",
        "采购内容：用于考点入场身份核验，考生刷身份证后现场采集照片与报名照片进行人像比对，结果上传考务系统。",
    )
    assert categories(exam) == set()
    brand = make(
        "某文旅集团品牌舆情监测服务采购项目成交结果公告",
        "服务内容：对景区产品的网络口碑开展监测，提供传播效果评估、竞品分析、负面信息预警及月度舆情分析报告。",
    )
    assert categories(brand) == set()


def test_title_false_friend_does_not_silence_other_rules() -> None:
    # The exam rule fired on the title; the body's police video network is another matter.
    mixed = make(
        "某市考试院考生人像比对设备采购",
        "另含：市公安局雪亮工程视频监控点位扩容，新建高清摄像机200路。",
    )
    assert {"video_surveillance", "campaign_programs"} <= categories(mixed)


def test_weak_word_alone_in_long_body_does_not_flip() -> None:
    filler = "本项目为办公楼装修工程，包括墙面、地面、门窗、给排水、强电、弱电等内容。" * 30
    notice = make("某单位办公楼装修工程", filler + "监控" + filler)
    assert not detect(notice).surveillance.relevant


def test_terse_component_in_short_text_counts() -> None:
    notice = make("老旧小区改造工程中标结果公告", "中标范围：道路、绿化、照明、监控等配套设施。")
    assert detect(notice).surveillance.relevant


def test_title_outweighs_attachments() -> None:
    in_title = detect(make("监控设备采购")).surveillance.score
    in_attachments = detect(make("设备采购", attachments="监控设备")).surveillance.score
    assert in_title > in_attachments


@pytest.mark.parametrize(
    ("name", "vendor"),
    [
        ("杭州海康威视系统技术有限公司", "hikvision"),
        ("杭州海康威视数字技术股份有限公司", "hikvision"),
        ("杭州萤石网络股份有限公司", "hikvision"),
        ("浙江大华技术股份有限公司", "dahua"),
        ("浙江宇视科技有限公司", "uniview"),
        ("天地伟业技术有限公司", "tiandy"),
        ("华为技术有限公司", "huawei"),
        ("中兴通讯股份有限公司", "zte"),
        ("北京旷视科技有限公司", "megvii"),
        ("重庆中科云从科技有限公司", "cloudwalk"),
        ("厦门美亚柏科信息股份有限公司", "meiya_pico"),
        ("海能达通信股份有限公司", "hytera"),
        ("苏州科达科技股份有限公司", "kedacom"),
        ("ТОВ «Хіквіжн Україна»", "hikvision"),
        ("ООО «Дахуа Текнолоджи Рус»", "dahua"),
        ("Hikvision UK Ltd", "hikvision"),
        ("大华会计师事务所", None),
        ("宜昌市中兴路建设有限公司", None),
        ("上海依图施工队", None),
        ("Milestone Construction Ltd", None),
    ],
)
def test_vendor_resolution(name: str, vendor: str | None) -> None:
    assert resolve_vendor(name) == vendor


def test_supplier_vendors_and_supplier_makes_notice_relevant() -> None:
    notice = make(
        "设备采购中标结果公告",
        "中标人：杭州海康威视系统技术有限公司",
        suppliers=["杭州海康威视系统技术有限公司", "某某建设有限公司"],
    )
    found = detect(notice)
    assert found.supplier_vendors == ["hikvision", None]
    assert found.surveillance.relevant


def test_ambiguous_short_alias_needs_product_context() -> None:
    assert [v.vendor for v in detect(make("采购大华品牌硬盘录像机")).vendors_mentioned] == ["dahua"]
    assert detect(make("大华路道路改造工程")).vendors_mentioned == []


def test_traditional_and_full_width_are_normalised_and_offsets_hold() -> None:
    notice = make(
        "某縣公安局視頻監控系統建設",
        "採購ＣＣＴＶ攝像機　１２台，海康威視品牌",
        attachments="人 臉 識 別\n平台",
    )
    found = detect(notice)
    ids = {c.id for c in found.surveillance.categories}
    assert {"video_surveillance", "facial_recognition"} <= ids
    assert_offsets(notice)


def test_offsets_hold_across_removed_whitespace_in_latin_and_cjk() -> None:
    notice = make(
        "Supply of  video\n\nsurveillance   cameras", "视 频\r\n监 控 系 统 与 Cámaras  de\tvideovigilancia"
    )
    assert_offsets(notice)


def test_normalise_maps_back() -> None:
    text = "視頻  監控\tＣＣＴＶ  x"
    norm = normalise(text)
    assert norm.text == "视频监控 cctv x"
    start = norm.text.index("cctv")
    a, b = norm.span(start, start + 4)
    assert text[a:b] == "ＣＣＴＶ"


def test_code_evidence_from_items_and_body_line() -> None:
    notice = make(
        "Supply of equipment",
        "CPV 35125300 Security cameras",
        items=[{"description": "Security cameras", "scheme": "CPV", "id": "35125300-2"}],
    )
    found = detect(notice)
    assert found.surveillance.relevant
    video = next(c for c in found.surveillance.categories if c.id == "video_surveillance")
    assert any(e.text == "35125300" for e in video.evidence)
    assert_offsets(notice)


def test_child_code_falls_back_to_listed_parent() -> None:
    notice = make("Equipment", items=[{"scheme": "CPV", "id": "35125310"}])
    assert detect(notice).surveillance.relevant


def test_support_code_needs_other_evidence() -> None:
    alone = make(
        "Software", "CPV 48200000 Networking software packages", items=[{"scheme": "CPV", "id": "48200000"}]
    )
    assert not detect(alone).surveillance.relevant


def test_bare_number_is_not_a_code_without_scheme() -> None:
    assert not detect(make("Invoice 35125300 paid")).surveillance.relevant


def test_empty_notice() -> None:
    found = detect(make())
    assert not found.surveillance.relevant
    assert found.supplier_vendors == []


def test_a_lone_surrogate_in_a_text_leaves_its_terms_found_with_their_offsets() -> None:
    notice = make("某区视频监控\ud800采购", "采购\ud800人脸识别系统一套，视频监控点位\udfff改造")
    assert categories(notice) >= {"video_surveillance", "facial_recognition"}
    assert_offsets(notice)
