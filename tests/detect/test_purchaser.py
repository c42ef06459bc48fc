from procurewatch.detect.purchaser import buyer_types, purchaser_patterns


def test_buyer_types() -> None:
    assert buyer_types("宜昌市公安局西陵分局") == ["public_security"]
    assert set(buyer_types("中共某县委政法委员会")) == {"political_legal", "party"}
    assert set(buyer_types("某縣人民政府信訪局")) == {"government", "petitions"}
    assert buyer_types("某市城市管理局") == ["urban_mgmt"]
    assert buyer_types("Policía Nacional del Perú") == ["public_security"]
    assert buyer_types("Головне управління Національної поліції") == ["public_security"]
    assert buyer_types("某市第一人民医院") == []


def test_patterns_include_traditional_variants_for_sql() -> None:
    patterns = purchaser_patterns()
    assert "公安" in patterns["public_security"]
    assert {"维稳", "維穩"} <= set(patterns["stability"])
    assert all(p == p.lower() for ps in patterns.values() for p in ps)
