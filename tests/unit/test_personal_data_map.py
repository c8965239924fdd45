"""The map of personal data (chalicelib/personal_data.py): every table classified, every
attribute it names real, and the README's table made from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib import personal_data
from chalicelib.models import ALL_MODELS

ROOT = Path(__file__).resolve().parents[2]


def test_every_model_has_exactly_one_place() -> None:
    assert personal_data.unclassified() == []
    named = [p.model for p in personal_data.PLACES]
    assert len(named) == len(set(named)), "a model is classified twice"
    assert set(named) <= set(ALL_MODELS), "a place names a model that is not a table"


def test_a_new_table_without_a_place_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    forgotten = type("Forgotten", (ALL_MODELS[0],), {})
    monkeypatch.setattr(personal_data, "ALL_MODELS", (*ALL_MODELS, forgotten))
    assert personal_data.unclassified() == ["Forgotten"]


@pytest.mark.parametrize("place", personal_data.PLACES, ids=lambda p: p.model.__name__)
def test_every_named_attribute_exists(place: personal_data.Place) -> None:
    attributes = set(place.model.get_attributes())
    for name in (*place.member, *place.personal, *place.fields):
        assert name in attributes, f"{place.model.__name__}.{name} is not an attribute"


@pytest.mark.parametrize("place", personal_data.PLACES, ids=lambda p: p.model.__name__)
def test_every_place_is_complete(place: personal_data.Place) -> None:
    assert place.holds in personal_data.HOLDS and place.erase in personal_data.ERASE
    assert place.label and place.purpose and place.keep
    if place.holds == "member":
        assert place.erase not in ("none", "official"), "her items need a deletion rule"
        assert place.erase != "blank" or place.personal, "blank what?"
    else:
        assert not place.personal and not place.fields


def test_the_readme_table_is_the_maps() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for row in personal_data.readme_rows():
        assert row in readme, f"README.md lacks: {row}"
