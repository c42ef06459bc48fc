"""json_decode.loads gives exactly json.loads's value, or raises json.loads's own error."""

from __future__ import annotations

import json

import pytest

from procurewatch.sources import json_decode

SAME_AS_JSON = [
    b'{"id": "2091137624108621825", "amount": 189654.5, "ok": true, "none": null}',
    b'{"big": 123456789012345678901234567890}',  # beyond 64 bits: orjson would give a float
    b'{"low": -9223372036854775809}',
    b"[1, 18446744073709551615, 12345678901234567890123]",
    b"  98765432109876543210123 ",
    b'{"a": 1, "a": 2}',
    b'{"x": NaN, "y": Infinity, "z": 1e400}',
    b'{"lone": "\\ud800"}',
    b'\xef\xbb\xbf{"bom": 1}',
    b'{"neg": -0, "negf": -0.0, "tiny": 5e-324, "dec": 0.1}',
    b'{"url": "a:1234567890123456789012"}\n',
    '{"text": "监控"}',
]

BROKEN = [b'{"a": 1,}', b'{"a": 1} x', b"{", b'{"a": "\xff"}', b""]


@pytest.mark.parametrize("data", SAME_AS_JSON)
def test_value_is_json_loads_value(data: bytes | str) -> None:
    expected = json.loads(data)
    got = json_decode.loads(data)
    assert repr(got) == repr(expected)
    assert [type(v) for v in _leaves(got)] == [type(v) for v in _leaves(expected)]


@pytest.mark.parametrize("data", BROKEN)
def test_error_is_json_loads_error(data: bytes) -> None:
    with pytest.raises(ValueError) as expected:
        json.loads(data)
    with pytest.raises(ValueError) as got:
        json_decode.loads(data)
    assert type(got.value) is type(expected.value)
    assert str(got.value) == str(expected.value)


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]
