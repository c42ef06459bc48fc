"""Server edges an attack found: `serve --host ''` taken for loopback, a traceback when an ingest holds
the store, CSV cells a spreadsheet runs as formulas, 500s without security headers, an unthrottled login
form, a session cookie without Secure over TLS."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from rich.console import Console
from tests.web.conftest import TestClient
from typer.testing import CliRunner
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from procurewatch.cli import app as cli
from procurewatch.errors import UsageError
from procurewatch.report.export import encode
from procurewatch.report.tables import to_csv
from procurewatch.web.app import Settings, create_app
from procurewatch.web.security import CSP, LoginThrottle, is_loopback
from procurewatch.web.serving import serve

TOKEN = "s3cret-token-for-tests"
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def store_copy(store: Path, tmp_path: Path) -> Path:
    """A copy of the small store: a server with a token holds its store read-write."""
    copy = tmp_path / "store.duckdb"
    shutil.copy(store, copy)
    shutil.copytree(f"{store}.index", f"{copy}.index")
    return copy


def test_an_empty_host_is_every_interface_not_loopback(store):
    assert not is_loopback("")
    assert not is_loopback("0.0.0.0")
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    with pytest.raises(UsageError, match="needs an access token"):
        serve(store, "", 8000, None, False, Console(file=io.StringIO()))
    result = CliRunner().invoke(
        cli, ["serve", "--db", str(store), "--host", ""], env={"PROCUREWATCH_TOKEN": ""}
    )
    assert result.exit_code == 2
    assert "loopback only" not in result.output and "needs an access token" in result.output


@pytest.mark.parametrize("with_index", [False, True])
def test_serve_while_an_ingest_holds_the_store(store, tmp_path, with_index):
    db = tmp_path / "store.duckdb"
    shutil.copy(store, db)
    if with_index:
        shutil.copytree(f"{store}.index", f"{db}.index")
    holder = duckdb.connect(str(db))  # like a running `procurewatch ingest`
    try:
        result = subprocess.run(
            [sys.executable, "-m", "procurewatch.cli", "serve", "--db", str(db), "--port", "0"],
            capture_output=True,
            text=True,
            timeout=120,
            env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        )
    finally:
        holder.close()
    assert result.returncode == 2, result.stderr[-2000:]
    assert "in use by another process" in result.stderr and "Traceback" not in result.stderr


def test_csv_cells_are_not_formulas_and_numbers_stay_numbers():
    hostile = ['=HYPERLINK("http://x")', "+1+2", "-3+4", "@SUM(A1)", "\tx", "\rx", "plain"]
    table = pa.table({"title": hostile, "amount_value": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    data, _ = encode(table, "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    titles = [r[0] for r in rows[1:]]
    assert all(t.startswith("'") for t in titles[:-1]) and titles[-1] == "plain"
    assert rows[1][1] == "-5"  # a negative number is written as a number
    report = to_csv({"top_buyers": [{"buyer": "=1+1", "procurements": -1}]})
    assert "'=1+1" in report and ",-1" in report


def test_a_500_carries_the_security_headers(store):
    app = create_app(Settings(db_path=store))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "boom" not in response.text


def test_login_failures_lock_a_client_out(store_copy):
    client = TestClient(create_app(Settings(db_path=store_copy, token=TOKEN)), raise_server_exceptions=False)
    statuses = [client.post("/login", data={"token": f"wrong-{i}"}).status_code for i in range(7)]
    assert statuses[:6] == [401] * 6 and statuses[6] == 429
    locked = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "try again in" in locked.text


def test_lockouts_double_and_a_quiet_window_forgets():
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(throttle.free):
        throttle.failed("a")
    assert throttle.wait("a") == 0
    throttle.failed("a")
    first = throttle.wait("a")
    assert first == throttle.first_lockout
    now[0] += first
    throttle.failed("a")
    assert throttle.wait("a") == 2 * first
    assert throttle.wait("b") == 0  # per client
    now[0] += throttle.window + throttle.longest + 1
    throttle.failed("a")
    assert throttle.wait("a") == 0
    throttle.succeeded("a")
    assert throttle.wait("a") == 0


def _login_cookie(client: TestClient, headers: dict[str, str] | None = None) -> str:
    response = client.post("/login", data={"token": TOKEN}, headers=headers or {}, follow_redirects=False)
    assert response.status_code == 303
    return response.headers["set-cookie"]


def test_session_cookie_is_secure_over_tls_only(store_copy):
    app = create_app(Settings(db_path=store_copy, token=TOKEN))
    assert "secure" not in _login_cookie(TestClient(app)).lower()
    assert "secure" in _login_cookie(TestClient(app, base_url="https://testserver")).lower()
    proxied = TestClient(ProxyHeadersMiddleware(app, trusted_hosts="*"))
    assert "secure" in _login_cookie(proxied, {"X-Forwarded-Proto": "https"}).lower()
    untrusted = TestClient(ProxyHeadersMiddleware(app, trusted_hosts="10.9.9.9"))
    assert "secure" not in _login_cookie(untrusted, {"X-Forwarded-Proto": "https"}).lower()
