"""The one filter vocabulary: names, valid values, canonical forms, and refusals that say what is valid."""

from __future__ import annotations

import pytest

from procurewatch.errors import FilterError, UsageError
from procurewatch.query.filters import FILTERS, Filters, NoticeFilters, day, read_value


@pytest.mark.parametrize("written", ["湖北省", "湖北", "Hubei", "hubei", "420000", "420100"])
def test_a_province_is_understood_however_it_is_written(written):
    assert read_value("province", written) == "湖北省"


@pytest.mark.parametrize(
    ("name", "written", "canonical"),
    [
        ("vendor", "海康威视", "hikvision"),
        ("vendor", "Hikvision", "hikvision"),
        ("country", "gb", "GB"),
        ("category", "Facial_Recognition", "facial_recognition"),
        ("notice_type", "AWARD", "award"),
        ("convert_to", "usd", "USD"),
        ("year", " 2019 ", "2019"),
    ],
)
def test_values_are_made_canonical(name, written, canonical):
    assert read_value(name, written) == canonical


@pytest.mark.parametrize(
    ("name", "value", "listed"),
    [
        ("category", "face_recognition", "facial_recognition"),
        ("province", "不存在省", "湖北省"),
        ("buyer_type", "nope", "public_security"),
        ("convert_to", "XYZ", "USD"),
        ("notice_type", "tenders", "tender"),
    ],
)
def test_unknown_values_are_refused_with_the_valid_ones(name, value, listed):
    with pytest.raises(FilterError) as caught:
        read_value(name, value)
    assert value in str(caught.value) and listed in caught.value.valid and listed in str(caught.value)
    assert isinstance(caught.value, UsageError)


def test_an_unknown_filter_name_lists_the_known_ones():
    with pytest.raises(FilterError) as caught:
        NoticeFilters.from_pairs([("categroy", "voiceprint")])
    assert "category" in caught.value.valid


def test_route_parameters_are_allowed_only_where_given():
    assert NoticeFilters.from_pairs([("page", "2"), ("year", "2019")], allowed=("page",)).year == ["2019"]
    with pytest.raises(FilterError):
        NoticeFilters.from_pairs([("page", "2")])


@pytest.mark.parametrize("bad", ["2019-13", "2019-02-30", "abc", "19", "2019/05"])
def test_impossible_dates_are_refused(bad):
    with pytest.raises(FilterError):
        day(bad)


def test_days_cover_their_period():
    assert (day("2019"), day("2019", end=True)) == ("2019-01-01", "2019-12-31")
    assert (day("2020-02"), day("2020-02", end=True)) == ("2020-02-01", "2020-02-29")
    assert day("2019-5-3") == "2019-05-03"


def test_command_line_values_are_read_by_the_same_vocabulary():
    f = Filters.read(provinces=["Hubei"], vendors=["海康威视"], countries=["cn"], convert_to="usd")
    assert (f.provinces, f.vendors, f.countries, f.convert_to) == (["湖北省"], ["hikvision"], ["CN"], "USD")
    with pytest.raises(FilterError):
        Filters.read(min_score=1.5)


def test_every_notice_filter_has_a_reader_and_help():
    for name, spec in FILTERS.items():
        assert spec.name == name and spec.help
