"""Dashboard tables by entity: one row per buyer, country or place, spend per currency beside it."""

from __future__ import annotations

import re
from html import unescape

from procurewatch.web.pages.dashboard import by_entity


def test_rows_per_currency_become_one_row_per_entity():
    rows = [
        {"buyer": "甲公安局", "procurements": 2, "spend_value": 10.0, "spend_currency": "CNY"},
        {"buyer": "甲公安局", "procurements": 1, "spend_value": 5.0, "spend_currency": "USD"},
        {"buyer": "甲公安局", "procurements": 3, "spend_value": None, "spend_currency": None},
        {"buyer": "乙城管局", "procurements": 1, "spend_value": 7.0, "spend_currency": "CNY"},
    ]
    assert by_entity(rows, ("buyer",)) == [
        {"buyer": "甲公安局", "procurements": 6, "spend": [(10.0, "CNY"), (5.0, "USD")]},
        {"buyer": "乙城管局", "procurements": 1, "spend": [(7.0, "CNY")]},
    ]


def test_each_buyer_has_one_row_and_its_figure_opens_as_many_procurements(client):
    page = client.get("/dashboard").text
    table = page.split('id="table-buyers"', 1)[1].split("</table>", 1)[0]
    names = re.findall(r'href="/buyer\?name=[^"]*">([^<]*)</a>', table)
    assert names and len(names) == len(set(names))
    for href, figure in re.findall(r'<a class="num" href="([^"]*)">([\d,]+)</a>', table):
        listed = client.get(unescape(href).replace("/procurements?", "/api/procurements?")).json()
        assert listed["total"] == int(figure.replace(",", "")), href
