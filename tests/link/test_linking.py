"""Linking notices into procurements, on stores built row by row."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pyarrow as pa
from datasketch import MinHash

from link.rows import insert, links, new_store, notice
from procurewatch.link.candidates import FullBuckets
from procurewatch.link.keys import (
    identity_hash,
    is_cancellation,
    link_rows,
    normalise_many,
    normalise_text,
    permutations,
    settings,
    shingle_hashes,
    signatures,
    title_key,
)
from procurewatch.link.run import dates_of, link_pass, link_pending

BODY = (
    "一、项目名称：宜昌市公安局夷陵分局雪亮工程视频监控前端点位建设项目。二、采购内容：高清网络摄像机三百二十台、"
    "人脸抓拍机四十台、车辆卡口六处、视频汇聚平台一套及安装调试。三、交货期：合同签订后九十日历天内。"
    "四、供应商资格要求：具有独立承担民事责任的能力，具有良好的商业信誉和健全的财务会计制度；有依法缴纳税收和社会保障资金的"
    "良好记录；参加政府采购活动前三年内，在经营活动中没有重大违法记录。五、获取招标文件：凡有意参加投标者，请于公告发布之日起"
    "五个工作日内登录湖北省政府采购网上商城获取招标文件。六、投标截止时间及开标时间：另行通知，开标地点为宜昌市公共资源交易中心"
    "第三开标室。七、采购项目需要落实的政府采购政策：促进中小企业发展，支持监狱企业发展，促进残疾人就业。"
)
BUYER = "宜昌市公安局夷陵分局"
TITLE = "宜昌市公安局夷陵分局雪亮工程视频监控前端点位建设项目"


def tender(**kw):
    title, body = kw.pop("title", TITLE + "招标公告"), kw.pop("body", BODY)
    base = dict(buyer=BUYER, notice_type="tender", published="2024-03-01", relevant=True, score=0.9)
    base.update(kw)
    return notice(title, body, **base)


def procurement_of(con, nid):
    return links(con)[nid][0]


def test_exact_reposts_collapse_into_one_procurement():
    con = new_store()
    a = tender(path="portal-a/1.html")
    b = tender(path="portal-b/9.html", body="\n  " + BODY.replace("。", "。 "), published="2024-03-02")
    insert(con, a, b)
    assert link_pending(con) == 2
    got = links(con)
    assert got[b["id"]] == (a["id"], "fingerprint", 1.0, a["id"])
    (count, notices) = con.execute("SELECT count(*), sum(notices) FROM procurements").fetchone()
    assert (count, notices) == (1, 1)  # the re-post is not a second notice


def test_near_duplicate_with_changed_boilerplate_links_as_repost():
    con = new_store()
    a = tender(path="a.html", body="中国政府采购网 首页>采购公告\n" + BODY + "\n版权所有 中国政府采购网")
    b = tender(
        path="b.html",
        body="湖北省公共资源交易中心 发布\n" + BODY + "\n联系我们 | 网站地图",
        published="2024-03-03",
    )
    insert(con, a, b)
    link_pending(con)
    pid, reason, score, dup = links(con)[b["id"]]
    assert (pid, reason, dup) == (a["id"], "near_duplicate", a["id"])
    assert settings().near_duplicate <= score < 1.0


def test_templated_notices_for_different_purchases_stay_apart():
    con = new_store()
    template = "关于征集中国移动江西公司2026年{}采购项目技术规范及技术评分表相关文件意见的公告"
    body = "为提高采购文件质量，现就本项目技术规范及技术评分表公开征求意见，请于三个工作日内反馈。" * 3
    a = notice(template.format("体脂秤"), body, published="2026-01-05", notice_type="other")
    b = notice(template.format("健康手环"), body, published="2026-01-06", notice_type="other")
    insert(con, a, b)
    link_pending(con)
    assert links(con)[b["id"]][1] == "first"
    assert con.execute("SELECT count(*) FROM procurements").fetchone() == (2,)


def test_a_stored_candidate_is_compared_only_with_a_signature_and_a_title_that_can_agree():
    first = tender(path="a.html", body="中国政府采购网 首页>采购公告\n" + BODY + "\n版权所有 中国政府采购网")
    repost = tender(
        path="b.html", body="湖北省公共资源交易中心 发布\n" + BODY + "\n联系我们", published="2024-03-03"
    )
    # stored, then a re-post of it: a near-duplicate of the stored notice
    con = new_store()
    insert(con, first)
    link_pending(con)
    insert(con, repost)
    link_pending(con)
    assert links(con)[repost["id"]][:2] == (first["id"], "near_duplicate")
    # the stored notice without its signature: the same buyer and title link them, not the text
    con = new_store()
    insert(con, first)
    link_pending(con)
    con.execute("DELETE FROM notice_minhash WHERE notice_id = ?", [first["id"]])
    insert(con, repost)
    link_pending(con)
    assert links(con)[repost["id"]][:2] == (first["id"], "similarity")
    # the same text under a title that cannot agree with the stored one: another purchase
    con = new_store()
    insert(con, first)
    link_pending(con)
    other = tender(
        path="c.html",
        title="宜昌市公安局夷陵分局雪亮工程视频监控后端平台建设项目招标公告",
        body="湖北省公共资源交易中心 发布\n" + BODY + "\n联系我们",
        published="2024-03-03",
    )
    insert(con, other)
    link_pending(con)
    assert links(con)[other["id"]][:2] == (other["id"], "first")


def test_tender_and_award_linked_by_project_code():
    con = new_store()
    a = tender(
        project_code="YLZC-2024-017", amount_value=3_200_000.0, amount_currency="CNY", amount_kind="budget"
    )
    award = notice(
        "夷陵区视频点位项目结果公告",
        "中标供应商：湖北某科技有限公司，中标金额：298.6万元。",
        buyer=BUYER,
        notice_type="award",
        published="2024-05-20",
        project_code="ylzc 2024-017",
        amount_value=2_986_000.0,
        amount_currency="CNY",
        amount_kind="award",
        relevant=True,
        score=0.7,
    )
    insert(con, a, award)
    link_pending(con)
    assert links(con)[award["id"]][:2] == (a["id"], "project_code")
    row = con.execute(
        "SELECT status, notices, spend_value, spend_kind, spend_notice, score FROM procurements"
    ).fetchone()
    assert row == ("awarded", 2, 2_986_000.0, "award", award["id"], 0.9)


def test_same_code_for_another_buyer_is_not_linked():
    con = new_store()
    a = tender(project_code="ZB2024-001")
    b = notice(
        "学校食堂设备采购招标公告",
        "采购食堂设备一批，含冷柜灶具。" * 5,
        buyer="某市第一中学",
        notice_type="tender",
        published="2024-03-05",
        project_code="ZB2024-001",
    )
    insert(con, a, b)
    link_pending(con)
    assert links(con)[b["id"]][1] == "first"


def test_award_linked_by_buyer_and_title_after_phase_words_are_stripped():
    con = new_store()
    a = tender()
    award = notice(
        TITLE + "中标结果公告",
        "中标人：湖北某科技有限公司。",
        buyer=BUYER,
        notice_type="award",
        published="2024-06-01",
    )
    far_later = notice(
        TITLE + "中标结果公告",
        "中标人：三年后的公司。",
        buyer=BUYER,
        notice_type="award",
        published="2027-09-01",
    )
    insert(con, a, award, far_later)
    link_pending(con)
    got = links(con)
    assert got[award["id"]][:2] == (a["id"], "similarity")
    assert got[far_later["id"]][1] == "first"  # outside the date window
    assert title_key("关于" + TITLE + "的更正公告") == title_key(TITLE + "招标公告")


def test_awards_of_different_lots_stay_apart():
    con = new_store()
    lot1 = notice(
        TITLE + "一标段中标结果公告",
        "中标人：甲公司。",
        buyer=BUYER,
        notice_type="award",
        published="2024-06-01",
    )
    lot2 = notice(
        TITLE + "二标段中标结果公告",
        "中标人：乙公司。",
        buyer=BUYER,
        notice_type="award",
        published="2024-06-01",
    )
    insert(con, lot1, lot2)
    link_pending(con)
    assert [r[1] for r in links(con).values()] == ["first", "first"]


def test_ocds_releases_sharing_an_ocid_are_one_procurement():
    con = new_store()
    tender_release = notice(
        "Public Facing CCTV System Upgrade",
        "Tender for CCTV cameras.",
        ocid="ocds-h6vhtk-0042",
        notice_type="tender",
        published="2021-02-01",
        language="en",
        country="GB",
        amount_value=2_000_000.0,
        amount_currency="GBP",
        amount_kind="budget",
    )
    award_release = notice(
        "Contract award: CCTV upgrade",
        "Awarded to Example Ltd.",
        ocid="ocds-h6vhtk-0042",
        notice_type="award",
        published="2021-06-01",
        language="en",
        country="GB",
        amount_value=1_800_000.0,
        amount_currency="GBP",
        amount_kind="award",
    )
    insert(con, tender_release, award_release)
    link_pending(con)
    assert links(con)[award_release["id"]][:2] == (tender_release["id"], "ocid")
    assert con.execute("SELECT ocid, spend_value, spend_currency FROM procurements").fetchall() == [
        ("ocds-h6vhtk-0042", 1_800_000.0, "GBP")
    ]


def test_cancellation_marks_the_procurement():
    con = new_store()
    a = tender(project_code="YLZC-2024-099")
    cancel = notice(
        TITLE + "废标公告",
        "因有效供应商不足三家，本项目废标。",
        buyer=BUYER,
        notice_type="other",
        published="2024-04-01",
        project_code="YLZC-2024-099",
    )
    insert(con, a, cancel)
    link_pending(con)
    assert con.execute("SELECT status FROM procurements").fetchone() == ("cancelled",)


def test_incremental_linking_joins_existing_procurements_without_reprocessing():
    con = new_store()
    a = tender(project_code="YLZC-2024-017")
    insert(con, a)
    assert link_pending(con) == 1
    assert link_pending(con) == 0  # nothing pending: nothing reprocessed
    stored_bands = con.execute("SELECT count(*) FROM notice_lsh_bands").fetchone()
    award = notice(
        TITLE + "中标结果公告",
        "中标人：湖北某科技有限公司。",
        buyer=BUYER,
        notice_type="award",
        published="2024-05-20",
        project_code="YLZC-2024-017",
        amount_value=2_986_000.0,
        amount_currency="CNY",
        amount_kind="award",
    )
    repost = tender(path="mirror.html", body="镜像站点转载\n" + BODY + "\n（转载）", published="2024-03-09")
    insert(con, award, repost)
    assert link_pending(con) == 2
    got = links(con)
    assert got[award["id"]][:2] == (a["id"], "project_code")
    assert got[repost["id"]][:2] == (a["id"], "near_duplicate")
    # the first notice was not re-shingled: its band rows are the ones stored before
    assert (
        con.execute("SELECT count(*) FROM notice_lsh_bands WHERE notice_id = ?", [a["id"]]).fetchone()
        == stored_bands
    )
    assert con.execute("SELECT count(*), max(notices), max(spend_kind) FROM procurements").fetchone() == (
        1,
        2,
        "award",
    )


def test_spend_never_adds_budget_and_award_and_keeps_currency():
    con = new_store()
    a = tender(project_code="P-2024-0001", amount_value=5e6, amount_currency="CNY", amount_kind="budget")
    b = tender(
        project_code="P-2024-0002",
        title="另一项目视频监控采购招标公告",
        body="另一项目" + BODY[10:],
        amount_value=4e6,
        amount_currency="CNY",
        amount_kind="budget",
    )
    insert(con, a, b)
    link_pending(con)
    rows = con.execute("SELECT spend_value, spend_kind FROM procurements ORDER BY spend_value").fetchall()
    assert rows == [(4e6, "budget"), (5e6, "budget")]


def test_batch_signatures_equal_datasketch_minhash():
    texts = [normalise_text(BODY), normalise_text("宜昌" + BODY[5:]), "短"]
    batch = signatures(texts)
    for text, sig in zip(texts[:2], batch[:2], strict=True):
        assert np.array_equal(_datasketch_signature(text), sig)
    assert batch[2] is None  # too short to judge


def _datasketch_signature(text: str) -> np.ndarray:
    m = MinHash(
        num_perm=settings().num_perm, permutations=permutations(), scheme="affine32", hashfunc=identity_hash
    )
    m.update_batch(shingle_hashes(text))
    return m.hashvalues.astype(np.uint32)


def test_batch_signatures_of_long_repetitive_texts_equal_datasketch_minhash():
    # long texts (an OCDS release's items and documents): repeated shingles are dropped before hashing
    texts = [
        normalise_text(BODY * 6),
        normalise_text("Supply of CCTV cameras, lot 1. " * 40 + BODY),
        normalise_text(BODY * 3 + "宜昌" * 300),
    ]
    for text, sig in zip(texts, signatures(texts), strict=True):
        assert np.array_equal(_datasketch_signature(text), sig)


def test_normalise_many_equals_normalise_text_one_by_one():
    texts = [
        BODY,
        None,
        "",
        "  ，。！？\n\t",
        "ＡＢＣ１２３　全角：公告（第２批）",  # full width: NFKC after punctuation is gone
        "e\u0301cole CAFÉ ΟΔΟΣ Straße İstanbul ﬁle ½ ①",  # combining mark, final sigma, ligature, numbers
        "项目编号：YLZC-2024-017_a b",
        "한국 ᄀ\u1161 Hangul jamo",
    ]
    assert normalise_many(texts) == [normalise_text(t) for t in texts]


def test_normalise_many_mixes_plain_and_other_texts_in_one_block():
    # ASCII letters, digits and CJK ideographs take the quick way; the rest of the same block does not,
    # and a capital that lower() maps by its context (Σ) or to two characters (İ) sends all the slow way
    plain = ["ABC项目XYZ-123", "监控 CCTV 2024", "Hangzhou 公安局", "NO. 7 采购"]
    others = ["ＡＢＣ１２３", "m² 机房", "e\u0301cole", "ΟΔΟΣ ΑΣ", "İstanbul", "\u3400 ext-A", "ⅫⅣ"]
    for block in (plain, plain + others[:3], others[:3] + plain, [*plain, "ΟΔΟΣ"], [*plain, "İx"]):
        assert normalise_many(block) == [normalise_text(t) for t in block]


def test_normalise_many_normalises_other_characters_with_their_neighbours():
    # NFKC is applied piece by piece, split before plain characters: a mark still composes with the
    # plain letter before it, jamo with jamo, and a compatibility form next to ideographs is replaced
    texts = ["中e\u0301中", "A\u030aB", "ﬁ中ﬁ", "①②中③", "가\u11a8값", "\u1100\u1161中", "x\u0327\u0301y"]
    texts += ["中\u0301", "项目" * 50 + "Ⅻ期" + "ΟΔΟΣ" * 3, "e\u0301" + "中" * 300 + "①"]
    assert normalise_many(texts) == [normalise_text(t) for t in texts]


def test_link_rows_title_keys_equal_title_key_one_by_one():
    titles = ["关于" + TITLE + "的更正公告", "公的告" + TITLE, "结果公的示公告", "ABC采购项目", "", None]
    titles += ["ＡＢ招标公告", "中标结果的公告"]
    n = len(titles)
    made = link_rows([f"n{i}" for i in range(n)], titles, [BODY] * n, [None] * n, [None] * n, ["tender"] * n)
    assert made.columns["notice_keys"]["title_key"] == [title_key(t) for t in titles]
    assert link_rows([], [], [], [], [], []).columns["notice_keys"]["title_key"] == []


def test_link_rows_signatures_are_those_of_title_and_body_normalised_together():
    # the text signed is normalise_text(f"{title} {body}"): across where the title ends too (jamo that
    # compose, a final sigma that is not final), cut to max_chars, none below min_chars
    s = settings()
    cases = [
        (TITLE, BODY),
        ("ＡＢＣ１２３全角：公告", BODY),
        ("项目 \u1100", "\u1161" + BODY),
        ("ΟΔΟΣ", "ΑΒΓ" + BODY),
        ("①期" + TITLE, BODY.replace("三", "③")),
        (None, BODY * 20),
        ("短", "短"),
        ("lone \ud800 surrogate", BODY),
        (TITLE, None),
    ]
    titles, bodies = [t for t, _ in cases], [b for _, b in cases]
    n = len(cases)
    made = link_rows([f"n{i}" for i in range(n)], titles, bodies, [None] * n, [None] * n, ["tender"] * n)
    texts = [normalise_text(f"{t or ''} {b or ''}") for t, b in cases]
    expected = signatures(texts)
    signed = [i for i, sig in enumerate(expected) if sig is not None]
    assert made.columns["notice_minhash"]["notice_id"] == [f"n{i}" for i in signed]
    assert np.array_equal(
        made.columns["notice_minhash"]["signature"], np.stack([expected[i] for i in signed])
    )
    assert len(texts[5]) > s.max_chars and len(texts[6]) < s.min_chars and 6 not in signed


def test_link_rows_cancellations_equal_is_cancellation_one_by_one():
    # a cancel word split over two titles is none; one at a title's start or end is
    titles = [
        "某项目废",
        "标公告",
        "流标公告",
        "采购终止",
        None,
        "",
        "项目终",
        "止公告",
        "终止公示关于",
        "招标公告",
    ]
    types = ["tender"] * (len(titles) - 1) + ["cancellation"]
    n = len(titles)
    made = link_rows([f"n{i}" for i in range(n)], titles, [BODY] * n, [None] * n, [None] * n, types)
    expected = [is_cancellation(t, title) for t, title in zip(types, titles, strict=True)]
    assert made.columns["notice_keys"]["cancelled"] == expected
    assert expected == [False, False, True, True, False, False, False, False, True, True]


ITEMS = ["高清网络摄像机", "人脸识别门禁", "车辆卡口抓拍系统", "视频汇聚平台", "无人机反制设备", "智能安检门"]


def _families() -> tuple[list[dict], list[dict]]:
    """Per purchase: a tender early in the year; later its re-post, its correction and its award."""
    early, late = [], []
    for i, item in enumerate(ITEMS):
        buyer = f"某市公安局第{i + 1}分局"
        title = f"{buyer}{item}采购项目"
        body = BODY.replace("高清网络摄像机", item).replace("夷陵分局", f"第{i + 1}分局")
        early.append(
            tender(title=title + "招标公告", body=body, buyer=buyer, published=f"2024-0{1 + i % 3}-1{i}")
        )
        late.append(
            tender(
                path="mirror.html",
                title=title + "招标公告",
                body="转载自政府采购网\n" + body + "\n网站地图",
                buyer=buyer,
                published=f"2024-0{4 + i % 3}-1{i}",
            )
        )
        late.append(
            tender(
                title="关于" + title + "的更正公告",
                body=body + "投标截止时间顺延三个工作日。",
                buyer=buyer,
                published=f"2024-0{4 + i % 3}-2{i}",
            )
        )
        late.append(
            notice(
                title + "中标结果公告",
                f"中标供应商：某科技有限公司{i}。",
                buyer=buyer,
                notice_type="award",
                published=f"2024-0{7 + i % 3}-0{i + 1}",
            )
        )
    return early, late


def test_incremental_linking_gives_the_links_of_one_run():
    early, late = _families()
    at_once = new_store()
    insert(at_once, *early, *late)
    link_pending(at_once)
    in_two = new_store()
    insert(in_two, *early)
    link_pending(in_two)
    insert(in_two, *late)
    assert link_pending(in_two) == len(late)
    assert links(in_two) == links(at_once)
    reasons = sorted(r[1] for r in links(at_once).values())
    assert reasons.count("near_duplicate") == 2 * len(ITEMS)  # re-posts and corrections
    assert at_once.execute("SELECT count(*) FROM procurements").fetchone() == (len(ITEMS),)


def test_linking_in_small_passes_gives_the_links_of_one_pass(monkeypatch):
    early, late = _families()
    one_pass = new_store()
    insert(one_pass, *early, *late)
    assert link_pending(one_pass) == len(early) + len(late)
    monkeypatch.setattr("procurewatch.link.run.settings", lambda: replace(settings(), pending_chunk=3))
    small_passes = new_store()
    insert(small_passes, *early, *late)
    assert link_pending(small_passes) == len(early) + len(late)
    assert links(small_passes) == links(one_pass)
    pending = small_passes.execute(
        "SELECT count(*) FROM notices n ANTI JOIN notice_links l ON l.notice_id = n.id"
    ).fetchone()
    assert pending == (0,)


def test_buckets_found_too_big_are_skipped_by_later_passes_with_the_same_links(monkeypatch):
    early, late = _families()
    monkeypatch.setattr(
        "procurewatch.link.run.settings", lambda: replace(settings(), pending_chunk=3, max_bucket=2)
    )
    found: list[int] = []
    add = FullBuckets.add
    monkeypatch.setattr(FullBuckets, "add", lambda self, b, h: (found.append(len(b)), add(self, b, h)))
    remembered = new_store()
    insert(remembered, *early, *late)
    assert link_pending(remembered) == len(early) + len(late)
    looked_up_every_time = new_store()
    insert(looked_up_every_time, *early, *late)
    while link_pass(looked_up_every_time, 3) == 3:
        pass
    assert sum(found) > 0
    assert links(remembered) == links(looked_up_every_time)


def test_title_key_removes_phase_words_one_after_another():
    def one_by_one(title):
        key = normalise_text(title)
        for word in settings().phase_words:
            key = key.replace(word, "")
        return key

    titles = [
        "关于" + TITLE + "的更正公告",
        TITLE + "中标候选人公示",
        "公的告" + TITLE,  # removing 的 joins 公告, after 公告 had its turn: it stays
        "结果公的示公告",
        "中标结果的公告",
        "ABC采购项目",
        "",
    ]
    for title in titles:
        assert title_key(title) == one_by_one(title)
    assert title_key("公的告监控") == "公告监控"


def _crowded_and_calm() -> tuple[list[dict], list[dict]]:
    """Buyer 甲 has four purchases, 乙 one; later, each posts a title one character longer, and 甲 a
    new purchase and then its title one character longer."""
    base = "雪亮工程视频监控前端点位建设项目"
    items = ["高清摄像机", "人脸门禁", "车辆卡口", "视频平台"]

    def purchase(buyer: str, title: str, day: int) -> dict:
        return notice(title, "", buyer=buyer, notice_type="tender", published=f"2024-03-{day:02d}")

    stored = [purchase("甲市公安局", f"甲市公安局{item}{base}", i + 1) for i, item in enumerate(items)]
    stored.append(purchase("乙市公安局", f"乙市公安局{items[0]}{base}", 5))
    later = [
        purchase("甲市公安局", f"甲市公安局{items[0]}新{base}", 20),
        purchase("乙市公安局", f"乙市公安局{items[0]}新{base}", 21),
        purchase("甲市公安局", f"甲市公安局无人机{base}", 22),
        purchase("甲市公安局", f"甲市公安局无人机新{base}", 23),
    ]
    return stored, later


def test_a_buyer_with_more_purchases_than_the_fuzzy_pool_is_matched_by_exact_title_only(monkeypatch):
    monkeypatch.setattr("procurewatch.link.run.settings", lambda: replace(settings(), max_fuzzy_pool=3))
    stored, later = _crowded_and_calm()
    incremental = new_store()
    insert(incremental, *stored)
    link_pending(incremental)
    insert(incremental, *later)
    assert link_pending(incremental) == 4
    got = links(incremental)
    crowded, calm, new, new_longer = later
    assert got[crowded["id"]][:2] == (crowded["id"], "first")  # four purchases: no fuzzy titles
    assert got[new["id"]][:2] == (new["id"], "first")
    assert got[new_longer["id"]][:2] == (new_longer["id"], "first")
    assert got[calm["id"]][:2] == (stored[-1]["id"], "similarity")

    at_once = new_store()  # the crowding counted among the notices of one pass
    insert(at_once, *stored, *later)
    link_pending(at_once)
    assert links(at_once) == got


def test_linking_inside_the_callers_transaction_leaves_it_usable():
    con = new_store()
    a = tender(path="portal-a/1.html")
    b = tender(path="portal-b/9.html", published="2024-03-02")
    insert(con, a, b)
    con.execute("BEGIN TRANSACTION")
    assert link_pending(con) == 2
    con.execute("CREATE TABLE callers_own (x INTEGER)")  # the caller's transaction goes on
    con.execute("ROLLBACK")  # and is the caller's to end: nothing linked inside it stays
    assert links(con) == {}
    assert link_pending(con) == 2
    assert links(con)[b["id"]][0] == a["id"]


def test_in_transaction_tells_autocommit_from_an_open_transaction():
    from procurewatch.store.db import in_transaction

    con = new_store()
    assert not in_transaction(con)
    con.execute("BEGIN TRANSACTION")
    assert in_transaction(con)
    con.execute("COMMIT")
    assert not in_transaction(con)


def test_dates_of_gives_the_dates_arrow_would_in_order_with_nulls():
    days = [date(2024, 3, 1), None, date(2024, 3, 1), date(1999, 12, 31), None, date(2024, 3, 2)]
    column = pa.chunked_array([pa.array(days[:2], pa.date32()), pa.array(days[2:], pa.date32())])
    assert dates_of(column) == days
    assert dates_of(pa.array([None, None], pa.date32())) == [None, None]
    assert dates_of(pa.chunked_array([], pa.date32())) == []
