"""A category has one colour everywhere: the HTML report's charts use the explorer's palette."""

from __future__ import annotations

from tests.corpus import build_store
from typer.testing import CliRunner

from procurewatch import knowledge
from procurewatch.cli import app


def test_report_charts_colour_categories_as_the_explorer_does(tmp_path):
    db = build_store(tmp_path / "c.duckdb")
    html = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", "--db", str(db), "--html", str(html)])
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    colours = knowledge.category_colours()
    shown = [cid for cid in colours if f"<title>{cid} " in page]
    assert shown, "the report charts no category"
    for cid in shown:
        assert f'stroke="{colours[cid]}"' in page or f'fill="{colours[cid]}"' in page, cid
