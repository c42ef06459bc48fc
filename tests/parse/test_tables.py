"""Facts from tables of any portal: label cell → value cell, header row → data rows (lots), '|' cells;
HTML fragments without <html>/<title>; HTML kept inside a scraped record's field. Synthetic fixtures."""

from __future__ import annotations

import json
from pathlib import Path

from procurewatch.model import to_record
from procurewatch.parse.tables import fields_from_tables, money_cell, normalise_label
from procurewatch.pipeline import extract

FRAGMENT = """<div class="notice">
<table border="1">
<tr><td>示例市第三中学保洁服务采购项目</td></tr>
<tr><td><p>成 交 公 示</p>
<table>
<tr><td>采 购 人</td><td>示例市第三中学</td><td>联系方式</td><td>***</td></tr>
<tr><td>代理机构名称</td><td colspan="3">示例招标咨询有限公司</td></tr>
<tr><td>成交单位名称</td><td colspan="3">示例物业服务有限公司</td></tr>
<tr><td>成交价格</td><td colspan="3">98765.00 元 大写（玖万捌仟柒佰陆拾伍元整）</td></tr>
</table></td></tr>
</table></div>
"""

LOTS = {
    "title": "示例学院校园网络设备结果公告",
    "purchaser_name": "示例学院",
    "announce_type": "结果公告",
    "content": (
        "<h4>成交结果</h4><div>分包号：1</div><table><th>分包内容</th><th>金额（元）</th><th>成交供应商</th>"
        "<tr><td>交换机一批</td><td>￥1,200,000.00</td><td>示例网络有限公司</td></tr></table>"
        "<div>分包号：2</div><table><th>分包内容</th><th>金额（元）</th><th>成交供应商</th>"
        "<tr><td>服务器一批</td><td>￥300,500.00</td><td>示例信息技术有限公司</td></tr></table>"
    ),
}

PIPES = (
    "施工招标公告\n招标条件 | \n 招标人 | \n 示例县城市建设投资有限公司\n | \n "
    "工程名称 | \n 示例路改造工程\n |"
    " \n 项目总投资 | \n 1500.00万元\n | \n 本工程投资 | \n 14987654.32元\n | \n 资金已落实 | \n 100.00%\n |"
)


def _records(tmp_path: Path, name: str, content: str) -> list[dict]:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return [to_record(n) for n in extract([path])]


def test_labels_are_normalised() -> None:
    assert normalise_label("一、采 购 人：") == "采购人"
    assert normalise_label("中标金额（万元）") == "中标金额"


def test_money_cells_keep_units_and_refuse_ranks_and_rates() -> None:
    assert money_cell("￥1,339,000.00", "金额（元）") == 1339000
    assert money_cell("120.5", "中标金额（万元）") == 1205000
    assert money_cell("第1名", "投标报价") is None
    assert money_cell("98.5%", "报价") is None
    assert money_cell("详见附件", "中标金额") is None


def test_html_fragment_without_html_or_title(tmp_path: Path) -> None:
    (record,) = _records(tmp_path, "fragment.html", FRAGMENT)
    assert record["kind"] == "html"
    assert record["title"] == "示例市第三中学保洁服务采购项目"  # not the markup of the first line
    assert record["notice_type"] == "award"  # 成 交 公 示, spaced
    assert record["buyer"]["name"] == "示例市第三中学"
    assert [s["name"] for s in record["suppliers"]] == ["示例物业服务有限公司"]
    assert record["amount"] == {"value": 98765.0, "currency": "CNY", "kind": "award"}


def test_header_rows_over_lots_are_summed_and_markup_is_not_body_text(tmp_path: Path) -> None:
    (record,) = _records(tmp_path, "lots.json", json.dumps(LOTS, ensure_ascii=False))
    assert "<table" not in record["body"] and "交换机一批" in record["body"]
    assert [s["name"] for s in record["suppliers"]] == ["示例网络有限公司", "示例信息技术有限公司"]
    assert record["amount"] == {"value": 1500500.0, "currency": "CNY", "kind": "award"}


def test_pipe_cells_give_buyer_and_budget() -> None:
    cells = fields_from_tables(None, PIPES)
    by_label = {c.label: c for c in cells}
    assert by_label["招标人"].value == "示例县城市建设投资有限公司"
    assert by_label["本工程投资"].kind == "budget"
    assert "资金已落实" not in by_label  # not a label: its 100.00% is a rate anyway


def test_pipe_record(tmp_path: Path) -> None:
    record = {"title": "[示例县]示例路改造工程", "info_type": "招标公告", "content": PIPES}
    (out,) = _records(tmp_path, "pipes.json", json.dumps(record, ensure_ascii=False))
    assert out["buyer"]["name"] == "示例县城市建设投资有限公司"
    assert out["amount"]["kind"] == "budget"
    assert out["notice_type"] == "tender"


def test_candidates_are_winners_only_when_the_notice_awards(tmp_path: Path) -> None:
    table = (
        "<table><tr><td>第一中标候选人</td><td>示例建设有限公司</td></tr>"
        "<tr><td>投标报价</td><td>2345678.00元</td></tr>"
        "<tr><td>最高投标限价</td><td>2500000.00元</td></tr></table>"
    )
    candidate = {"title": "示例工程中标候选人公示", "content": table}
    (out,) = _records(tmp_path, "cand.json", json.dumps(candidate, ensure_ascii=False))
    assert out["notice_type"] == "other" and out["suppliers"] == []
    assert out["amount"] == {"value": 2500000.0, "currency": "CNY", "kind": "budget"}  # a bid is no award
    award = {"title": "示例工程中标结果公告", "content": table}
    (out,) = _records(tmp_path, "award.json", json.dumps(award, ensure_ascii=False))
    assert [s["name"] for s in out["suppliers"]] == ["示例建设有限公司"]
    assert out["amount"] == {"value": 2345678.0, "currency": "CNY", "kind": "award"}


def test_lot_tables_ranked_by_recommendation_give_each_lot_s_first(tmp_path: Path) -> None:
    def lot(first: str, second: str) -> str:
        return (
            "<tr><td>推荐名次</td><td>投标人名称</td><td>评审得分</td></tr>"
            f"<tr><td>推荐第一成交候选人</td><td>{first}</td><td>93.60</td></tr>"
            f"<tr><td>推荐第二成交候选人</td><td>{second}</td><td>93.01</td></tr>"
        )

    table = (
        f"<table>{lot('甲测绘有限公司', '丙信息有限公司')}{lot('乙科技有限公司', '丙信息有限公司')}</table>"
    )
    award = {"title": "示例县确权登记采购项目中标公告", "content": table}
    (out,) = _records(tmp_path, "lots.json", json.dumps(award, ensure_ascii=False))
    assert sorted(s["name"] for s in out["suppliers"]) == ["乙科技有限公司", "甲测绘有限公司"]
    candidates = {"title": "示例县确权登记采购项目中标候选人公示", "content": table}
    (out,) = _records(tmp_path, "lots-cand.json", json.dumps(candidates, ensure_ascii=False))
    assert out["suppliers"] == []


PLAN = (
    "示例县示例中学宿舍改造项目招标计划公告\n序号\n | 工程名称\n | 建设单位\n | 建设概况\n | 招标方式\n"
    " | 总投资额（万元）\n | 资金来源\n | 预计招标时间\n | \n1\n | 示例中学宿舍改造项目\n | 示例县示例中学\n"
    " | 新建宿舍楼一栋。\n | 公开招标\n | 估算投资881.94万元\n | 上级资金\n | 2026年5月\n | "
    "\n注：以招标公告为准。"
)


def test_pipe_header_run_over_a_data_row() -> None:
    cells = {c.label: c for c in fields_from_tables(None, PLAN)}
    assert cells["建设单位"].value == "示例县示例中学" and cells["建设单位"].lot
    assert money_cell(cells["总投资额（万元）"].value, "总投资额（万元）") == 8819400
    assert "建设概况" not in cells  # a column name, not a label of a fact


def test_this_works_figure_wins_over_the_project_total(tmp_path: Path) -> None:
    text = (
        "招标人 | 示例城投有限公司 | 项目总投资 | 36800万元 | 本工程投资 | 16085463.09元 | "
        "资格审查方式 | 资格后审 |"
    )
    record_cells = fields_from_tables(None, text)
    assert {c.label for c in record_cells} == {"招标人", "项目总投资", "本工程投资"}
    record = {"title": "示例管网改造工程", "info_type": "招标公告", "content": text}
    (out,) = _records(tmp_path, "works.json", json.dumps(record, ensure_ascii=False))
    assert out["amount"] == {"value": 16085463.09, "currency": "CNY", "kind": "budget"}


def test_buyer_an_agency_acts_for(tmp_path: Path) -> None:
    text = {
        "title": "示例体育中心线路改造项目招标公告",
        "content": "受示例体育中心有限公司（以下简称“招标人”）委托，示例咨询有限公司现进行公开招标。"
        "2.2本项目投资：449.96万元。",
    }
    (out,) = _records(tmp_path, "agency.json", json.dumps(text, ensure_ascii=False))
    assert out["buyer"]["name"] == "示例体育中心有限公司"
    assert out["amount"] == {"value": 4499600.0, "currency": "CNY", "kind": "budget"}


def test_ranked_list_gives_only_the_first_ranked_winner(tmp_path: Path) -> None:
    page = (
        "<p>示例大学终端采购项目中标结果如下：</p><table>"
        "<tr><td>排序</td><td>中标供应商名称</td><td>中标金额(万元)</td></tr>"
        "<tr><td>第一名</td><td>示例云网科技有限公司</td><td>113.2</td></tr>"
        "<tr><td>第二名</td><td>示例电子科技有限公司</td><td>111.63</td></tr></table>"
        "<p>采购人：示例大学</p>"
    )
    record = {"title": "示例大学终端采购项目中标公告", "content": page}
    (out,) = _records(tmp_path, "ranked.json", json.dumps(record, ensure_ascii=False))
    assert [s["name"] for s in out["suppliers"]] == ["示例云网科技有限公司"]
    assert out["amount"] == {"value": 1132000.0, "currency": "CNY", "kind": "award"}


def test_table_drawn_as_lines_and_a_currency_sign_before_a_figure(tmp_path: Path) -> None:
    text = (
        "现将成交结果公布如下：\n项目名\n成交金额(元)\n供应商\n示例系统建设项目\n197700\n"
        "示例信息技术有限公司\n"
    )
    (out,) = _records(
        tmp_path, "lines.json", json.dumps({"title": "示例系统建设采购结果公告", "content": text})
    )
    assert [s["name"] for s in out["suppliers"]] == ["示例信息技术有限公司"]
    assert out["amount"]["value"] == 197700.0
    assert money_cell("$1,090,602.00", "中标金额(元)") == 1090602


def test_first_candidate_sentences_per_lot_in_an_award_notice(tmp_path: Path) -> None:
    text = (
        "示例县政府采购中心受示例县农业局委托进行了竞争性谈判，现就谈判结果公告如下：\n"
        "A包示例生物工程有限公司为第一成交候选供应商，谈判报价为290000元人民币。\n"
        "B包示例农业科技有限公司为第一成交候选供应商，谈判报价为437500元人民币。\n"
    )
    award = {"title": "示例县农业局腐熟剂采购项目成交公告", "content": text}
    (out,) = _records(tmp_path, "lots.json", json.dumps(award, ensure_ascii=False))
    assert out["buyer"]["name"] == "示例县农业局"
    assert [s["name"] for s in out["suppliers"]] == ["示例生物工程有限公司", "示例农业科技有限公司"]
    assert out["amount"] == {"value": 727500.0, "currency": "CNY", "kind": "award"}
    candidates = {"title": "示例县农业局腐熟剂采购项目成交候选人公示", "content": text}
    (out,) = _records(tmp_path, "cands.json", json.dumps(candidates, ensure_ascii=False))
    assert out["suppliers"] == [] and out["amount"] is None


def test_result_heading_then_winner_line(tmp_path: Path) -> None:
    text = (
        "五、公示日期：2016-11-17\n六、成交结果(入围供应商)\n示例工程机械有限公司，总价355000.00元。\n"
        "七、其他事项\n"
    )
    (out,) = _records(tmp_path, "r.json", json.dumps({"title": "示例局装载机采购结果公告", "content": text}))
    assert [s["name"] for s in out["suppliers"]] == ["示例工程机械有限公司"]
    assert out["amount"] == {"value": 355000.0, "currency": "CNY", "kind": "award"}


def test_award_in_the_text_wins_over_a_crawlers_budget_field(tmp_path: Path) -> None:
    record = {
        "title": "示例局视频监控改造项目中标结果公告",
        "budget": "100万元",
        "content": "中标供应商：示例安防科技有限公司\n中标金额：95.5万元\n",
    }
    (out,) = _records(tmp_path, "b.json", json.dumps(record, ensure_ascii=False))
    assert out["amount"] == {"value": 955000.0, "currency": "CNY", "kind": "award"}
    assert {"value": 1000000.0, "currency": "CNY", "kind": "budget"} in out["amounts"]
    tender = dict(record, title="示例局视频监控改造项目招标公告")
    (out,) = _records(tmp_path, "t.json", json.dumps(tender, ensure_ascii=False))
    assert out["amount"] == {"value": 1000000.0, "currency": "CNY", "kind": "budget"}


def test_saved_body_opening_with_text_is_read_as_html(tmp_path: Path) -> None:
    page = (
        "示例中学食堂设备采购成交公告\n<p>采购人：示例中学</p><p>成交供应商：示例厨具有限公司</p>"
        "<p>成交金额：8.8万元</p>"
    )
    (out,) = _records(tmp_path, "body.txt", page)
    assert out["kind"] == "html" and "<p>" not in out["body"]
    assert out["title"] == "示例中学食堂设备采购成交公告"
    assert [s["name"] for s in out["suppliers"]] == ["示例厨具有限公司"]


def test_pipe_rows_one_per_line_over_lots(tmp_path: Path) -> None:
    text = (
        "示例市交通局道路监控工程中标结果公示\n招标人 | 示例市交通运输局\n标段 | 中标人 | 中标价(元)\n"
        "一标段 | 甲示例建设工程有限公司 | 1000000\n二标段 | 乙示例电子科技有限公司 | 2000000\n"
    )
    (out,) = _records(tmp_path, "rows.txt", text)
    assert out["buyer"]["name"] == "示例市交通运输局"
    assert [s["name"] for s in out["suppliers"]] == ["甲示例建设工程有限公司", "乙示例电子科技有限公司"]
    assert out["amount"] == {"value": 3000000.0, "currency": "CNY", "kind": "award"}


def test_consortium_members_with_their_roles_in_brackets(tmp_path: Path) -> None:
    text = (
        "示例区安防小区建设项目成交公告\n采购单位：示例市公安局示例区分局\n"
        "成交供应商：甲示例信息技术股份有限公司（联合体牵头人）、乙示例通信工程有限公司（联合体成员）\n"
        "成交金额：人民币叁佰贰拾万元整（¥3,200,000.00）\n预算金额：350万元\n"
    )
    (out,) = _records(tmp_path, "c.txt", text)
    assert [s["name"] for s in out["suppliers"]] == ["甲示例信息技术股份有限公司", "乙示例通信工程有限公司"]
    assert out["amount"] == {"value": 3200000.0, "currency": "CNY", "kind": "award"}


def test_winner_line_under_a_heading_naming_several_columns(tmp_path: Path) -> None:
    text = (
        "四、成交信息\n总成交金额：6.4 万元（人民币）\n成交供应商名称、地址及成交金额：\n"
        "示例资讯有限公司，地址：示例市示例路1号，成交金额：陆万肆仟元（￥64000.00）\n"
    )
    record = {"title": "示例学院期刊平台采购单一来源结果公告", "content": text}
    (out,) = _records(tmp_path, "s.json", json.dumps(record, ensure_ascii=False))
    assert out["notice_type"] == "award"
    assert [s["name"] for s in out["suppliers"]] == ["示例资讯有限公司"]
    assert out["amount"]["value"] == 64000.0


def test_fragment_title_skips_site_furniture_and_a_ranked_publicity_is_no_award(tmp_path: Path) -> None:
    page = (
        "<div><p>示例省建设工程招标投标网</p><p>技术支持： 1234567</p><p>中标公示信息（施工）</p>"
        "<p>工程名称： 示例管网改造工程</p><p>招标人名称： 示例能源股份有限公司</p>"
        "<p>第一名 单位名称： 甲示例工程有限公司</p><p>投标报价（万元）： 890.06</p>"
        "<p>第二名 单位名称： 乙示例工程有限公司</p><p>投标报价（万元）： 901.5</p></div>"
    )
    (out,) = _records(tmp_path, "publicity.html", page)
    assert out["title"] == "中标公示信息（施工）"
    assert out["notice_type"] == "other" and out["suppliers"] == [] and out["amount"] is None


def test_fragment_title_is_the_value_of_its_label_and_a_named_winner_makes_its_figure_an_award(
    tmp_path: Path,
) -> None:
    # a crawler's body: no <title>, no heading, no award word in its first line
    page = (
        '<div class="content"><p>项目名称：示例县公安局视频监控设备采购项目</p><p>采购人：示例县公安局</p>'
        "<p>中标供应商：示例科技有限公司</p><p>中标金额：1,234,500.00元</p><p>最高投标限价：130万元</p></div>"
    )
    (out,) = _records(tmp_path, "fragment-label.html", page)
    assert out["title"] == "示例县公安局视频监控设备采购项目"
    assert [s["name"] for s in out["suppliers"]] == ["示例科技有限公司"]
    assert out["amount"] == {"value": 1234500.0, "currency": "CNY", "kind": "award"}
    table = (
        "<div><table><tr><td>项目名称</td><td>示例镇道路改造工程</td></tr>"
        "<tr><td>中标人</td><td>示例建设有限公司</td></tr><tr><td>中标价</td><td>123.4万元</td></tr></table></div>"
    )
    (out,) = _records(tmp_path, "fragment-table.html", table)
    assert out["title"] == "示例镇道路改造工程"
    assert out["amount"] == {"value": 1234000.0, "currency": "CNY", "kind": "award"}


def test_an_html_header_of_one_money_label_beside_column_names_sums_its_lots(tmp_path: Path) -> None:
    page = (
        "<div><p>示例社区卫生服务中心采购医疗设备项目中标公告</p><p>采购项目预算金额（元）：339100元</p>"
        "<p>中标供应商名称：示例医疗器械有限公司</p><table>"
        "<tr><td>主要中标、成交标的名称</td><td>规格型号</td><td>数量</td><td>单价（元）</td><td>中标金额</td></tr>"
        "<tr><td>便携式超声等设备</td><td>示例型号A</td><td>1批</td><td>-</td><td>￥175,500.00</td></tr>"
        "<tr><td>呼吸囊等设备</td><td>示例型号B</td><td>1批</td><td>-</td><td>￥143,950.00</td></tr>"
        "</table></div>"
    )
    (out,) = _records(tmp_path, "lots-one-label.html", page)
    assert out["amount"] == {"value": 319450.0, "currency": "CNY", "kind": "award"}
    # the same shape drawn with '|' over broken lines is not a header: its rows do not line up
    text = (
        "示例县立体车库采购意向 | \n序号 | 项目名称 | 建设单位（或招标人） | 项目概况 | 招标\n"
        "方式 | 投资额或估算价（万元） | 资金来源 | 预计招标时间\n"
        "1 | 示例县立体车库采购 | 示例县城市管理局 | 机械式停车库设备等。\n"
    )
    assert not [c for c in fields_from_tables(None, text) if c.lot]


def test_a_supervision_tender_states_its_fee_as_the_budget(tmp_path: Path) -> None:
    record = {
        "title": "[示例区]示例污水处理厂扩容项目监理(网)",
        "info_type": "招标公告",
        "content": "招标人 | 示例园区管委会 | 监理范围 | 全过程监理。 | 本项目监理费约1110000.00元 | ",
    }
    (out,) = _records(tmp_path, "supervision.json", json.dumps(record, ensure_ascii=False))
    assert out["amount"] == {"value": 1110000.0, "currency": "CNY", "kind": "budget"}
    bids = "中标候选人公示\n第一中标候选人：示例建设有限公司\n设计费：842142.00元\n施工费：9000000.00元\n"
    (out,) = _records(tmp_path, "epc-candidates.txt", "示例污水系统提升工程EPC中标候选人公示\n" + bids)
    assert out["amount"] is None  # a candidate's fee is a bid, not a budget
