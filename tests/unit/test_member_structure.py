"""Member structure bands (member_structure.py): 党龄 as 党章 第七条 counts it, the registry's
own lists and date parser."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from chalicelib import member_structure, registry_fields

TODAY = date(2026, 12, 2)


def _member(**kw):
    base = dict(
        status="full",
        gender="女",
        joined_on="2000-01-01",
        birth_date="1980-01-01",
        education="大学本科",
        occupation="工人",
    )
    return SimpleNamespace(**{**base, **kw})


@pytest.mark.parametrize("joined", ["2026-03-01", "2020-01-01", "1960-01-01", None, "x"])
def test_a_probationary_member_has_no_party_age(joined) -> None:
    band = member_structure.bands_of(_member(status="probationary", joined_on=joined), TODAY)
    assert band["years"] == member_structure.NO_PARTY_AGE == "预备党员（无党龄）"
    assert band["years"] not in [b[0] for b in member_structure.YEARS_BANDS]


@pytest.mark.parametrize(
    ("joined", "band"),
    [
        ("2015-12-01", "6–10年"),  # 入党 11 years ago, 转正 a year later: 10 years of 党龄
        ("2015-12-03", "6–10年"),
        ("2010-12-02", "11–20年"),  # 16 years since joining, 15 of 党龄
        ("2020-12-02", "5年及以下"),
        ("2026-06-01", "5年及以下"),  # full within a year of joining (data to check): 0
        ("1975-12-03", "41–50年"),  # 50 years of 党龄 after joining 51 years ago less a day
        ("1974-12-02", "51年及以上"),
        ("2027-01-01", "未填写"),  # in the future
        (None, "未填写"),
        ("2015-１２-01", "未填写"),  # full-width digits are no date
    ],
)
def test_a_full_members_party_age_counts_from_joining_plus_the_probation(joined, band) -> None:
    assert member_structure.bands_of(_member(joined_on=joined), TODAY)["years"] == band


def test_every_member_is_in_exactly_one_band_of_each_dimension() -> None:
    people = [
        member_structure.bands_of(_member(status=s, joined_on=j), TODAY)
        for s in ("full", "probationary")
        for j in ("2026-03-01", "1990-05-05", None)
    ]
    counted = member_structure.counts(people)
    assert all(sum(bands.values()) == len(people) for bands in counted.values())
    assert counted["years"]["预备党员（无党龄）"] == 3


def test_the_lists_are_the_registrys() -> None:
    """One definition: the structure reads 学历 and 职业 from registry_fields."""
    assert member_structure.EDUCATION is registry_fields.EDUCATION
    assert member_structure.OCCUPATIONS is registry_fields.OCCUPATIONS
    assert member_structure.labels("education")[:-1] == list(registry_fields.EDUCATION)


def test_dates_the_registry_import_accepts_are_read() -> None:
    assert member_structure.bands_of(_member(birth_date="1990/5/5"), TODAY)["age"] == "36–45岁"
