"""The dashboard and its lists count primary purchases by default, and say how to see the others."""

from __future__ import annotations


def test_dashboard_states_what_it_counts_and_links_component_purchases(client):
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert 'id="purchase-role"' in page.text and "purchase=component" in page.text
    component = client.get("/dashboard", params={"purchase": "component"})
    assert component.status_code == 200 and "Component purchases" in component.text


def test_the_purchase_parameter_is_validated_everywhere(client):
    for url in ("/dashboard", "/api/dashboard/totals", "/procurements", "/api/procurements"):
        response = client.get(url, params={"purchase": "secondary"})
        assert response.status_code == 422, url
    assert client.get("/api/dashboard/totals", params={"purchase": "any"}).status_code == 200


def test_a_list_opened_with_a_purchase_role_counts_what_the_chart_counted(client):
    for purchase in ("primary", "component", "any"):
        totals = client.get("/api/dashboard/totals", params={"purchase": purchase}).json()["rows"]
        charted = sum(r["procurements"] for r in totals)
        listed = client.get("/api/procurements", params={"purchase": purchase}).json()
        assert listed["total"] == charted, purchase
