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


def test_every_attribute_is_classified() -> None:
    """Each attribute of a table holding a member's items or staff's records is hers (the key),
    personal (the deletion removes it), or listed as not personal with its reason."""
    assert personal_data.unclassified_attributes() == []


def test_a_new_attribute_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.models.transfers import Transfer

    attrs = dict(Transfer.get_attributes())
    attrs["remark"] = attrs["reason"]
    monkeypatch.setattr(Transfer, "get_attributes", classmethod(lambda cls: attrs))
    assert personal_data.unclassified_attributes() == ["Transfer.remark"]


def test_the_free_texts_are_personal() -> None:
    """Texts staff or she wrote about her own case go with her data (review of issue 18)."""
    personal = {(p.model.__name__, a) for p in personal_data.PLACES for a in p.personal}
    for pair in [
        ("Transfer", "reason"),
        ("Transfer", "steps"),
        ("Recruit", "records"),
        ("RedEnergyOrder", "reason"),
        ("DuesPayment", "reverse_reason"),
    ]:
        assert pair in personal, pair


def test_the_deletion_handles_every_place_of_the_map() -> None:
    """`personal_erase.plan` deletes exactly the map's "delete" places and blanks its "blank"
    places by their personal attributes (each of which it knows how to blank)."""
    from chalicelib import personal_erase

    deleted = {*personal_erase.DELETE_ORDER, *personal_erase.DELETE_APART}
    assert deleted == {p.model for p in personal_data.PLACES if p.erase == "delete"}
    for p in personal_data.PLACES:
        if p.erase == "blank" and p.model not in personal_erase.BLANK_APART:
            actions = personal_erase.blank_actions(p.model, p.model(), "10000001")
            assert len(actions) == len(p.personal), p.model.__name__


def test_the_readme_table_has_no_stale_row() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = personal_data.readme_rows()
    start = readme.index(rows[0])
    table = []
    for line in readme[start:].splitlines():
        if not line.startswith("|"):
            break
        table.append(line)
    assert table == rows
    counted = sum(1 for p in personal_data.PLACES if p.holds != "none")
    assert f"{counted} 个表" in readme, "the README states how many tables hold a member"
