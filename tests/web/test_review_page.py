"""The procurement page shows what an editor must check, and a reviewer decides there: decisions shown
to everyone, written only by a server with a token, from a request with the token and the form's secret."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import duckdb
import pytest
from tests.corpus import Row, build_store
from typer.testing import CliRunner

from procurewatch.cli import app as cli_app
from procurewatch.review import decisions
from procurewatch.search.index import sync_index
from procurewatch.web.app import Settings, create_app

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)

from fastapi.testclient import TestClient  # noqa: E402

TOKEN = "rev1ew-t0ken"
AUTH = {"X-Procurewatch-Token": TOKEN}
PID = "p-flag"
# one procurement whose tender and award disagree by ×10,000 (万元 written as 元), and one plain
ROWS = [
    Row(
        "n-flag-t",
        "视频监控系统采购招标公告",
        "采购视频监控摄像机。",
        "2021-03-01",
        amount=500_000,
        procurement=PID,
        categories=["video_surveillance"],
        evidence=[("video_surveillance", "title", "视频监控")],
    ),
    Row(
        "n-flag-a",
        "视频监控系统采购中标公告",
        "中标金额。",
        "2021-04-01",
        notice_type="award",
        amount=5_000_000_000,
        procurement=PID,
        categories=["video_surveillance"],
        evidence=[("video_surveillance", "title", "视频监控")],
    ),
    Row(
        "n-plain",
        "人脸识别门禁采购",
        "人脸识别门禁。",
        "2021-05-01",
        amount=300_000,
        categories=["facial_recognition"],
        evidence=[("facial_recognition", "title", "人脸识别")],
    ),
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = build_store(tmp_path / "flag.duckdb", ROWS)
    con = duckdb.connect(str(path))
    con.execute(f"UPDATE procurements SET role = 'component' WHERE id = '{PID}'")
    con.execute("UPDATE findings SET role = 'component' WHERE notice_id LIKE 'n-flag-%'")
    con.execute("UPDATE findings SET role = 'primary' WHERE notice_id = 'n-plain'")
    con.close()
    sync_index(path)
    return path


def client(db: Path, token: str | None = None) -> TestClient:
    return TestClient(create_app(Settings(db_path=db, token=token)), raise_server_exceptions=False)


def close(c: TestClient) -> None:
    c.app.state.shared.explorer.close()  # type: ignore[attr-defined]


def secret(html: str) -> str:
    found = re.search(r'name="secret" value="([^"]+)"', html)
    assert found, "no review form on the page"
    return found.group(1)


def form(secret_value: str, **fields: str | list[str]) -> dict[str, str | list[str]]:
    return {"secret": secret_value, "decision": "confirmed", "reviewer": "Ana", **fields}


def test_page_shows_role_categories_flags_and_each_notices_amount(db: Path):
    c = client(db)
    html = c.get(f"/procurement/{PID}").text
    check = html[html.index('id="check"') : html.index('id="reviews"')]
    assert "component" in check and "one part of a larger purchase" in check
    assert "video_surveillance" in check and "(component)" in check
    assert "disagreement" in check and "10,000× apart" in check
    # each notice's amount beside it, the flagged ones marked
    assert "500,000 CNY" in check and "5,000,000,000 CNY" in check
    assert check.count('class="flagged"') == 2 and 'href="#n-n-flag-t"' in check
    plain = c.get("/procurement/p-n-plain").text
    assert "no amount flagged" in plain and "(primary)" in plain
    close(c)


def test_read_only_server_shows_decisions_but_no_form_and_refuses_writes(db: Path):
    decisions.record(
        db,
        PID,
        "confirmed",
        categories=["video_surveillance"],
        role="component",
        note="cameras for the <b>station</b>",
        reviewer="Bo",
    )
    c = client(db)
    html = c.get(f"/procurement/{PID}").text
    reviews = html[html.index('id="reviews"') :]
    assert "Bo" in reviews and "confirmed" in reviews and "video_surveillance" in reviews
    assert "cameras for the &lt;b&gt;station&lt;/b&gt;" in reviews and "<b>station" not in reviews
    assert 'name="secret"' not in html and '<form class="review"' not in html
    assert c.post(f"/procurement/{PID}/review", data=form("x")).status_code == 403
    assert (
        c.post(f"/api/procurements/{PID}/review", json={"decision": "rejected", "reviewer": "Bo"}).status_code
        == 403
    )
    api = c.get(f"/api/procurements/{PID}").json()
    assert [r["reviewer"] for r in api["reviews"]] == ["Bo"] and api["reviews"][0]["counts"]
    close(c)
    con = duckdb.connect(str(db), read_only=True)
    assert len(decisions.for_procurement(con, PID)) == 1  # nothing written
    con.close()


def test_token_server_needs_the_token_and_the_forms_secret(db: Path):
    c = client(db, TOKEN)
    html = c.get(f"/procurement/{PID}", headers=AUTH).text
    good = secret(html)
    anon = TestClient(c.app, raise_server_exceptions=False)
    assert anon.post(f"/procurement/{PID}/review", data=form(good), follow_redirects=False).status_code == 401
    assert (
        anon.post(
            f"/api/procurements/{PID}/review", json={"decision": "confirmed", "reviewer": "x"}
        ).status_code
        == 401
    )
    # a forged form: the token's cookie rides along, but the secret is unknown or the origin foreign
    forged = c.post(f"/procurement/{PID}/review", data=form("guess"), headers=AUTH, follow_redirects=False)
    assert forged.status_code == 403
    foreign = c.post(
        f"/procurement/{PID}/review",
        data=form(good),
        follow_redirects=False,
        headers={**AUTH, "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    # a name with a space: the page's random secrets (URL-safe base64) can hold "Bo", never "Bo Wen"
    assert "Bo Wen" not in c.get(f"/procurement/{PID}", headers=AUTH).text
    ok = c.post(
        f"/procurement/{PID}/review",
        follow_redirects=False,
        headers={**AUTH, "Origin": "http://testserver"},
        data=form(
            good,
            category=["video_surveillance", "facial_recognition"],
            role="component",
            note="<script>alert(1)</script> two cameras",
            reviewer="Bo Wen",
        ),
    )
    assert ok.status_code == 303 and ok.headers["location"] == f"/procurement/{PID}#reviews"
    page = c.get(ok.headers["location"], headers=AUTH).text
    reviews = page[page.index('id="reviews"') :]
    assert "Bo Wen" in reviews and "facial_recognition" in reviews
    assert "&lt;script&gt;alert(1)&lt;/script&gt; two cameras" in reviews and "<script>alert" not in page
    close(c)
    con = duckdb.connect(str(db), read_only=True)
    [d] = decisions.for_procurement(con, PID)
    con.close()
    assert (d.decision, d.categories, d.role, d.reviewer) == (
        "confirmed",
        ["video_surveillance", "facial_recognition"],
        "component",
        "Bo Wen",
    )


def test_bad_input_is_the_page_with_the_reason(db: Path):
    c = client(db, TOKEN)
    good = secret(c.get(f"/procurement/{PID}", headers=AUTH).text)
    for fields, reason in [
        ({"decision": "maybe"}, "expected one of confirmed, rejected"),
        ({"decision": "rejected", "category": "video_surveillance"}, "takes no category"),
        ({"category": "not_a_category"}, "not_a_category"),
        ({"reviewer": "  "}, "name the reviewer"),
        ({"role": "boss"}, "role"),
    ]:
        r = c.post(f"/procurement/{PID}/review", data=form(good, **fields), headers=AUTH)
        assert r.status_code == 422, fields
        assert reason in r.text and "Traceback" not in r.text and 'name="secret"' in r.text
    assert "No reviewer has decided" in r.text
    unknown = c.post("/procurement/nope/review", data=form(good), headers=AUTH)
    assert unknown.status_code == 404
    close(c)


def test_api_records_a_decision_and_the_procurement_carries_it(db: Path):
    c = client(db, TOKEN)
    url = f"/api/procurements/{PID}/review"
    r = c.post(url, json={"decision": "rejected", "note": "a wall", "reviewer": "Cy"}, headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.json()["decision"] == "rejected" and r.json()["procurement_id"] == PID
    assert (
        c.post(
            url, content=b'{"decision": "confirmed"}', headers={**AUTH, "Content-Type": "text/plain"}
        ).status_code
        == 415
    )
    assert (
        c.post(
            url, json={"decision": "confirmed", "categories": "x", "reviewer": "Cy"}, headers=AUTH
        ).status_code
        == 422
    )
    bad = c.post(url, json={"decision": "confirmed", "categories": ["nope"], "reviewer": "Cy"}, headers=AUTH)
    assert bad.status_code == 422 and "nope" in bad.json()["error"]
    assert (
        c.post(
            "/api/procurements/nope/review", json={"decision": "rejected", "reviewer": "Cy"}, headers=AUTH
        ).status_code
        == 404
    )
    c.post(url, json={"decision": "confirmed", "reviewer": "Di"}, headers=AUTH)
    reviews = c.get(f"/api/procurements/{PID}", headers=AUTH).json()["reviews"]
    assert [(r["reviewer"], r["counts"]) for r in reviews] == [("Di", True), ("Cy", False)]
    page = c.get(f"/procurement/{PID}", headers=AUTH).text
    assert page.index(">Di<") < page.index(">Cy<") and "superseded" in page
    close(c)


def test_a_decision_changes_the_figures_at_once(db: Path):
    c = client(db, TOKEN)
    listing = "/api/dashboard/totals?purchase=any"  # whatever role the detector gave it
    before = c.get(listing, headers=AUTH).json()["rows"]
    assert (
        c.post(
            f"/api/procurements/{PID}/review", json={"decision": "rejected", "reviewer": "Ed"}, headers=AUTH
        ).status_code
        == 201
    )
    after = c.get(listing, headers=AUTH).json()["rows"]
    assert sum(r["procurements"] for r in after) == sum(r["procurements"] for r in before) - 1
    close(c)


def test_a_decision_made_on_the_page_survives_an_index_rebuild(db: Path):
    c = client(db, TOKEN)
    good = secret(c.get(f"/procurement/{PID}", headers=AUTH).text)
    c.post(f"/procurement/{PID}/review", data=form(good, reviewer="Fay", note="kept"), headers=AUTH)
    close(c)
    result = CliRunner().invoke(cli_app, ["index", "--db", str(db), "--rebuild"])
    assert result.exit_code == 0, result.output
    c = client(db)
    html = c.get(f"/procurement/{PID}").text
    assert "Fay" in html and "kept" in html
    close(c)


def test_decisions_sent_at_once_all_land_while_pages_are_read(db: Path):
    from concurrent.futures import ThreadPoolExecutor

    c = client(db, TOKEN)

    def decide(i: int) -> int:
        body = {"decision": "confirmed", "reviewer": f"r{i}"}
        c.get(f"/procurement/{PID}", headers=AUTH)
        return c.post(f"/api/procurements/{PID}/review", json=body, headers=AUTH).status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(decide, range(16))) == [201] * 16
    reviews = c.get(f"/api/procurements/{PID}", headers=AUTH).json()["reviews"]
    assert len({r["id"] for r in reviews}) == 16 and sum(r["counts"] for r in reviews) == 1
    close(c)
