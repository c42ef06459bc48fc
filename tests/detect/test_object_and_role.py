"""What is bought decides what a term means: object, domain, service, boilerplate, lists, and the role.

Short notices written for these tests, one per error class of issue #14.
"""

from __future__ import annotations

import pytest
from tests.detect.notices import make

from procurewatch.detect import detect
from procurewatch.model import TEXT_FIELDS, Party, to_record


def relevant(title: str = "", body: str = "") -> bool:
    return detect(make(title, body)).surveillance.relevant


def role(title: str = "", body: str = "") -> str | None:
    return detect(make(title, body)).surveillance.role


# (error class, title, body): none of these buys surveillance
NOT_SURVEILLANCE = [
    (
        "operating-room teaching video",
        "某医院手术室示教系统采购",
        "采购内容：术野摄像机、全景摄像机、录像存储及示教终端。",
    ),
    (
        "operating-room video monitoring",
        "某医院手术室视频监控及示教系统",
        "手术间全景摄像机12台，示教室显示终端。",
    ),
    (
        "face recognition for scrubs",
        "某医院智能手术衣发放柜采购",
        "医护人员通过人脸识别领取手术衣，发放柜8台。",
    ),
    (
        "face login in anaesthesia software",
        "某医院麻醉临床信息系统",
        "系统支持医护人员人脸识别登录及电子签名。",
    ),
    ("lab camera", "某大学实验室设备采购", "采购内容：显微镜成像系统、高速摄像机、光谱分析仪。"),
    (
        "bare 安防 among building subsystems",
        "某小区老旧小区改造工程",
        "改造内容：给排水、强电、弱电、消防、智慧安防设施、绿化、道路。",
    ),
    ("安防工程 as road-safety works", "某县XX路口安防工程（交通安全设施）", ""),
    (
        "supervision of works containing CCTV",
        "某学校新建教学楼项目监理服务",
        "监理范围：土建、装饰、给排水、电气、视频监控系统、门禁系统等全部内容。",
    ),
    (
        "design of works containing CCTV",
        "某中学综合楼设计服务",
        "设计内容：建筑、结构、给排水、电气及智能化（含视频监控、门禁）。",
    ),
    (
        "audit of works containing CCTV",
        "某区道路改造工程结算审计",
        "审计范围：道路、排水、照明及治安监控杆迁移。",
    ),
    ("cost consulting", "某园区提升工程造价咨询服务", "服务内容：编制工程量清单，含监控系统、广播系统。"),
    (
        "qualification boilerplate",
        "某单位办公楼空调采购",
        "采购内容：多联机空调。投标人资格要求：具有安防工程企业设计施工维护能力证书。",
    ),
    (
        "past-performance boilerplate",
        "某单位综合布线采购",
        "采购内容：网线、配线架。申报的业绩：某医院智能化项目视频监控系统。",
    ),
    (
        "product-code list in a qualification scheme",
        "Supplier qualification system for estates products",
        "Product codes: fencing, locks, barriers, lighting, radios, signage, uniforms, vehicles, tools, "
        "drones, ladders, generators, furniture.",
    ),
    (
        "CCTV named as a capability lacking",
        "Replacement of door entry handsets",
        "The existing door entry system lacks CCTV and the handsets are obsolete.",
    ),
    (
        "filming tender openings",
        "Servicio de captura de video",
        "Captura de video con equipos de CCTV en circuito cerrado y transmision en vivo de los actos de "
        "apertura de proposiciones.",
    ),
    ("lecture capture", "某中学常态化录播教室建设", "含教师跟踪摄像机、学生全景摄像机、视频管理平台。"),
    (
        "lecture capture (en)",
        "Lecture capture system for the university",
        "Video management system with cameras in forty lecture theatres for lecture recording.",
    ),
    ("office equipment list", "办公设备采购", "采购内容：复印机、打印机、摄像机、投影仪。"),
    (
        "photography kit without a title",
        "",
        "采购项目内容：办公设施采购。中标信息：复印机1台，美工用单反套机1套，美工用摄像机1台。",
    ),
    ("filming a tender opening", "某单位设备采购", "采购内容：开标现场摄像机2台用于全程录像。"),
    (
        "process monitoring of backup power",
        "某矿区机房备电集成服务项目",
        "本项目采购备电电池、电池监测监控设备、监控服务。",
    ),
    (
        "machine-room management kit with its video",
        "某市小区机房综合管理服务设备采购项目",
        "采购内容：FSU、视频监控及智能门禁设备，用于通信机房动环管理。",
    ),
    (
        "pump-station kit under a works title",
        "某县供水管网改造工程（加压泵站设备采购及安装项目）",
        "成套设备含水泵、控制柜、半球型网络摄像机1套。设备应具有安全防护功能，具有视频监控、门禁、安防报警功能。",
    ),
    (
        "data-centre monitoring next to its power",
        "某分公司基础支撑系统集成服务采购",
        "采购内容：配备智能化监控系统与高可靠供电方案，确保数据中心高可用。",
    ),
    (
        "a radio's own state monitoring",
        "某分公司甚高频设备采购项目",
        "采购内容：甚高频电台，可远程操控，并可实时对机器的状态进行监控及上报，通话录音存储。",
    ),
    (
        "监控 as one item of a plant's pipe network",
        "某玻璃项目设备采购及安装",
        "中标范围：熔化、成型工段；厂区管网（电缆、桥架、通讯、监控、压力管道）安装调试。",
    ),
    ("thermal cameras for a store's heat watch", "某园区库房热成像摄像机采购项目", "采购内容：测温预警。"),
    (
        "video points of an irrigation works",
        "某灌区节水配套改造工程中标结果公告",
        "建设内容：干渠衬砌12千米，用水量测及信息化：安装流量计20台，新建调度中心及6处视频监控站点。",
    ),
    ("kitchen cameras for food safety (明厨亮灶)", "某区中小学食堂明厨亮灶视频监控设备采购", ""),
    (
        "camera traps the body names under a title's 红外监控设备",
        "某市分公司行业红外监控设备及服务项目比选公告",
        "采购内容：采购红外相机及相关调试、数据采集等服务。",
    ),
    (
        "CCTV as a sewer-inspection method",
        "某城区雨污水管网排查项目中标结果公告",
        "排水管道状况调查：借助CCTV、QV、声呐等手段查明管道结构性和功能性缺陷。",
    ),
    ("CCTV drainage survey", "Drainage CCTV survey and jetting of highway gullies", ""),
    (
        "monitoring among an IT platform's functions",
        "某公司网络安全防护软件采购项目",
        "采购内容：满足账号管理、应用管理、安全风险监控等需求。",
    ),
    (
        "a carrier's own network emergency centre",
        "关于征集某分公司网络应急指挥中心、网络运营中心设备采购项目技术规范书意见的公告",
        "",
    ),
    (
        "a network emergency command whose purpose the notice does not state",
        "某分公司某县网络应急指挥系统建设服务项目（施工部分）询比公告",
        "采购内容：本项目为某分公司某县网络应急指挥系统建设服务项目（施工部分）",
    ),
    (
        "a bidder's firm name carries the word",
        "某看守所特种设施采购项目中标候选人公示",
        "第一中标候选人：某某安防工程有限公司；第二中标候选人：某某视频科技有限公司。",
    ),
]


@pytest.mark.parametrize(("case", "title", "body"), NOT_SURVEILLANCE, ids=[c[0] for c in NOT_SURVEILLANCE])
def test_error_classes_are_not_surveillance(case: str, title: str, body: str) -> None:
    assert not relevant(title, body), case


# (class, title, body, role): the same settings when surveillance is what is bought, or a named part of it
SURVEILLANCE = [
    ("hospital security CCTV", "某医院安防监控系统改造", "门诊大厅及停车场新增摄像机40台。", "primary"),
    ("hospital watch-list", "某医院安防平台人脸抓拍黑名单布控系统", "", "primary"),
    ("O&M dedicated to CCTV", "视频监控系统运维服务", "", "primary"),
    (
        "design dedicated to CCTV",
        "某县雪亮工程视频监控设计服务",
        "设计范围：前端点位、传输及平台。",
        "primary",
    ),
    (
        "supervision of a surveillance project",
        "某区公共安全视频监控建设项目监理",
        "监理范围：前端摄像机、传输网络。",
        "primary",
    ),
    (
        "design-and-build is works",
        "某园区改造设计施工总承包",
        "建设内容：道路、绿化、给排水、视频监控系统、门禁系统。",
        "component",
    ),
    (
        "CCTV named among building subsystems",
        "某小区老旧小区改造工程",
        "改造内容：给排水、强电、弱电、消防、视频监控、绿化、道路。",
        "component",
    ),
    ("exam-room cameras", "某中学标准化考场巡考监控及校园安防监控建设", "", "primary"),
    ("security cameras in an office", "办公楼安防监控改造", "网络摄像机40台、硬盘录像机2台。", "primary"),
    ("CCTV installed, not lacking", "Supply and installation of CCTV at the depot", "", "primary"),
    (
        "a short item of a title's list between long ones",
        "某市某高速公路某互通工程交安设施、监控、声屏障等附属工程ABC-FSGC标段评标结果公示",
        "",
        "component",
    ),
    (
        "perimeter CCTV at a pump station",
        "某镇加压泵站周界安防视频监控系统采购",
        "采购内容：周界摄像机8台、硬盘录像机1台。",
        "primary",
    ),
    (
        "CCTV item of a building's subsystem list (not a bracket headed by plant)",
        "某厂区机电安装工程",
        "中标范围：建筑楼宇门控制、监控、网络、电话预埋管道及设备安装。",
        "component",
    ),
    ("perimeter thermal cameras", "某监狱周界热成像摄像机采购", "用于周界入侵探测。", "primary"),
    (
        "people-watching cameras at an irrigation site",
        "某灌区管理站安防改造",
        "新增出入口人脸识别及周界视频监控摄像机8台。",
        "primary",
    ),
    (
        "infrared security cameras of a site, no camera traps named",
        "某园区红外监控设备采购项目",
        "采购内容：红外枪机20台、硬盘录像机2台。",
        "primary",
    ),
    (
        "CCTV at a sewage works' perimeter",
        "某污水处理厂安防CCTV视频监控系统采购",
        "周界摄像机12台。",
        "primary",
    ),
    ("town-centre CCTV", "Town centre CCTV upgrade", "Replacement of public space cameras.", "primary"),
    (
        "the online-opinion emergency command of a propaganda office",
        "某县网络应急指挥中心改造建设项目",
        "县委宣传部拟进行某县网络应急指挥中心改造建设，建设集网络安全监测、应急指挥调度于一体的平台，"
        "实现对县级网络环境的有效管控。",
        "primary",
    ),
    (
        "security firm winning a CCTV purchase",
        "某派出所视频监控系统采购中标结果公告",
        "中标人：某某安防工程有限公司。",
        "primary",
    ),
]


@pytest.mark.parametrize(
    ("case", "title", "body", "expected_role"), SURVEILLANCE, ids=[c[0] for c in SURVEILLANCE]
)
def test_surveillance_and_its_role(case: str, title: str, body: str, expected_role: str) -> None:
    found = detect(make(title, body)).surveillance
    assert found.relevant, case
    assert found.role == expected_role, case
    assert all(c.role in ("primary", "component") for c in found.categories)


MISSED_VOCABULARY = [
    ("某市政府机关大院安防提升服务", "video_surveillance"),
    ("某县政务中心安防平台升级", "video_surveillance"),
    ("某景区AI视觉防溺水预警系统", "video_surveillance"),
    ("某水库攀爬检测及人员闯入告警", "video_surveillance"),
    ("中国移动某分公司行业视频服务采购", "video_surveillance"),
    ("某区远程视频监察系统建设", "video_surveillance"),
    ("某县交警前端设备联网项目", "video_surveillance"),
    ("中小学一键报警监控服务器采购", "video_surveillance"),
    ("某县司法局社区矫正对象定位监管平台", "predictive_key_persons"),
    ("某税务局稽查同步录音录像系统采购", "video_surveillance"),
]


@pytest.mark.parametrize(("title", "category"), MISSED_VOCABULARY)
def test_missed_vocabulary_is_found(title: str, category: str) -> None:
    found = detect(make(title)).surveillance
    assert found.relevant
    assert category in {c.id for c in found.categories}


@pytest.mark.parametrize(
    ("title", "body", "damaged"),
    [
        ("Supply of CCTVrn cameras for the depot", "", "CCTV"),
        ("Depot works", "Scope: supply and installation of CCTVrnCameras at the depot gate.", "CCTV"),
        ("某单位人脸rn识别系统建设", "", "人脸rn识别"),
        ("某单位设备采购", "采购内容：<span>视频</span>监控系统&nbsp;一套", "视频</span>监控系统"),
        ("某单位设备采购", "采购内容：视频\x0c监控系统一套", "视频\x0c监控系统"),
        ("某单位设备采购", "采购内容：视频\\r\\n监控系统一套", "视频\\r\\n监控系统"),
    ],
)
def test_damaged_text_still_matches(title: str, body: str, damaged: str) -> None:
    notice = make(title, body)
    found = detect(notice).surveillance
    assert found.relevant
    texts = [e.text for c in found.categories for e in c.evidence]
    assert damaged in texts  # the whole term, across the damage, is the evidence
    for c in found.categories:
        for e in c.evidence:
            assert e.field in TEXT_FIELDS
            assert getattr(notice, e.field)[e.start : e.end] == e.text


def test_ordinary_words_ending_in_rn_are_not_mangled_breaks() -> None:
    assert not relevant("Modern cctvrnx upgrade")  # "rn" followed by a lower-case word is a word, not a break


def test_role_in_record() -> None:
    notice = make("某区公共安全视频监控运维服务采购")
    found = detect(notice)
    notice.surveillance = found.surveillance
    record = to_record(notice)
    assert record["surveillance"]["role"] == "primary"
    assert record["surveillance"]["categories"][0]["role"] == "primary"
    assert {"id", "score", "evidence"} <= set(record["surveillance"]["categories"][0])
    irrelevant = make("某单位办公楼空调采购")
    irrelevant.surveillance = detect(irrelevant).surveillance
    assert to_record(irrelevant)["surveillance"]["role"] is None


def test_boilerplate_ignored_but_object_part_counts() -> None:
    # the same words weigh as a title's in the object part, and not at all in bidder requirements
    assert relevant("某单位设备采购", "采购内容：监控设备一批。")
    assert not relevant("某单位设备采购", "采购内容：办公桌椅。资格要求：具有监控设备安装业绩。")


def test_wrap_service_in_title_keeps_title_terms_only() -> None:
    body = "监理范围：前端摄像机、传输网络。"
    assert not relevant("某学校教学楼项目监理", body)
    assert relevant("某学校视频监控项目监理", body)


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("某大厦物业管理服务采购", "服务内容：保洁、绿化、监控室值守、消防巡查、秩序维护。"),
        ("某县融媒体中心摄像机采购", "采购内容：演播室4K摄像机3台、录像机2台。"),
        ("某道路工程施工图审查服务", "审查范围：道路、排水、交通信号、治安监控。"),
    ],
)
def test_more_services_and_domains(title: str, body: str) -> None:
    assert not relevant(title, body)


def test_operators_watching_cctv_are_surveillance() -> None:
    assert relevant("某区视频监控值守服务", "服务内容：视频监控中心7x24小时值守。")


def test_surveillance_item_in_a_works_title_is_a_component() -> None:
    assert role("某高速公路互通工程交安设施、监控、声屏障等附属工程") == "component"
    assert role("视频监控、门禁及停车管理系统采购") == "primary"


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("某县存量森林防火视频监控维保服务采购项目", "服务内容：前端视频监控点位及高点摄像机维护。"),
        ("某区秸秆禁烧高空瞭望监控服务", "采购内容：高点监控摄像机20路及平台。"),
        ("某县多行业无人机机场及无人机服务采购项目", "采购内容：无人机机巢10套及飞行服务。"),
        ("某县综治视联网会议系统项目", "采购内容：会议终端、视联网会议平台扩容。"),
        ("某村通村客运线路安防工程", "建设内容：波形护栏、轮廓标及安防工程。"),
        ("某灌区现代化改造工程", "建设内容：渠道衬砌、量水设施、监控系统及调度中心。"),
        ("Parking enforcement service", "Civil parking enforcement officers and a data analyst."),
    ],
)
def test_environment_network_and_inspection_targets_are_not_surveillance(title: str, body: str) -> None:
    assert not relevant(title, body)


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("某水库防溺水预警及人员闯入视频监控系统", ""),
        ("某公安局治安巡逻无人机采购", ""),
        ("某县河道环境综合整治工程", "建设内容：护岸、步道、照明及视频监控摄像机。"),
        ("中小学一键报警监控服务器采购", ""),
    ],
)
def test_people_watching_in_those_settings_stays(title: str, body: str) -> None:
    assert relevant(title, body)


def test_buyer_name_in_the_title_is_not_the_object() -> None:
    notice = make("某县生态环境局机关大院视频监控系统改造", "")
    notice.buyer = Party("某县生态环境局")
    assert detect(notice).surveillance.relevant
    named = make("某市视频监控中心办公家具采购", "")
    named.buyer = Party("某市视频监控中心")
    assert not detect(named).surveillance.relevant


def test_enforcement_drones_are_found_by_their_stated_use() -> None:
    found = detect(
        make(
            "某中心无人机监管作业服务采购",
            "采购内容：使用无人机机场、无人机、挂载喊话器及探照灯等设备，提供船只违法行为监管作业服务。",
        )
    ).surveillance
    assert found.relevant
    assert [c.id for c in found.categories] == ["drones_bodycams_radio"]


def test_an_ambiguous_title_word_counts_when_the_body_confirms_it() -> None:
    # the title alone does not say whose command centre it is; the body names the propaganda office
    title = "某县网络应急指挥中心改造建设项目"
    assert not relevant(title, "")
    body = "采购内容：县委宣传部网络应急指挥中心改造，实现对网络环境的管控。"
    found = detect(make(title, body)).surveillance
    assert found.relevant
    assert any(ev.field == "title" for c in found.categories for ev in c.evidence)


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("某市区交管监控系统设备维护保养采购", ""),  # traffic-police monitoring, not only on a motorway
        ("某区应急调度指挥中心视频监控系统采购", ""),  # a command centre is no water works
    ],
)
def test_general_words_are_not_one_notice_wording(title: str, body: str) -> None:
    assert relevant(title, body)


def test_a_machine_state_report_is_not_surveillance() -> None:
    body = "采购内容：远程操控电台，可实时对设备的状态进行监控及上报。"
    assert not relevant("某分公司甚高频设备采购项目", body)
