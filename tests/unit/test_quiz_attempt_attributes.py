"""An attempt's JSON attributes as stored: compact, each bank version written once, and attempts
stored before in the plain form still read the same."""

from __future__ import annotations

import json

from chalicelib.models.quizzes import CompactJSONAttribute, QuizAttempt, ServedItemsAttribute

ITEMS = [
    {"ref": "dangyuan-jichu@b97f09bd7a5e/dz005", "type": "fill", "blanks": 1},
    {"ref": "dangyuan-jichu@b97f09bd7a5e/dz019", "type": "multiple", "perm": [4, 1, 6, 2, 0]},
    {"ref": "dangzhang-kaoshi@0123456789ab/k07", "type": "truefalse", "perm": [1, 0]},
]


def test_served_items_round_trip_and_are_smaller():
    attr = ServedItemsAttribute()
    stored = attr.serialize(ITEMS)
    assert attr.deserialize(stored) == ITEMS
    assert [list(i) for i in attr.deserialize(stored)] == [list(i) for i in ITEMS]  # ref first
    assert stored.count("dangyuan-jichu@b97f09bd7a5e") == 1
    ten = [{**ITEMS[1], "ref": f"dangyuan-jichu@b97f09bd7a5e/dz{n:03d}"} for n in range(10)]
    saved = len(json.dumps(ten).encode()) - len(attr.serialize(ten).encode())
    assert saved >= 10 * 30  # a bank version written once, no spaces


def test_items_stored_before_still_read():
    assert ServedItemsAttribute().deserialize(json.dumps(ITEMS)) == ITEMS


def test_compact_json_keeps_chinese_as_utf8_without_spaces():
    value = {"title": "每日答题", "seed": "ab", "marks": [1, 0.5]}
    stored = CompactJSONAttribute().serialize(value)
    assert stored == '{"title":"每日答题","seed":"ab","marks":[1,0.5]}'
    assert CompactJSONAttribute().deserialize(json.dumps(value)) == value


def test_the_attempt_uses_them():
    attrs = QuizAttempt.get_attributes()
    assert isinstance(attrs["items"], ServedItemsAttribute)
    assert isinstance(attrs["settings"], CompactJSONAttribute)
    assert isinstance(attrs["result"], CompactJSONAttribute)
