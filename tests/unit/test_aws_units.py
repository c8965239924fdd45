"""The test helper's item sizes (tests/aws_units.py), by DynamoDB's documented rules: names and
strings in UTF-8 bytes, numbers about one byte per two significant digits plus one, maps and
lists 3 bytes plus 1 per element."""

from __future__ import annotations

from tests.aws_units import _kb, item_size


def test_item_sizes():
    assert item_size({"id": {"S": "abc"}}) == 5
    assert item_size({"名": {"S": "党员"}}) == 3 + 6
    assert item_size({"n": {"N": "12345"}}) == 1 + 4
    assert item_size({"n": {"N": "100"}}) == 1 + 2  # one significant digit
    assert item_size({"m": {"M": {"a": {"N": "1"}}}}) == 1 + 3 + (1 + 1 + 2)
    assert item_size({"l": {"L": [{"S": "x"}, {"BOOL": True}]}}) == 1 + 3 + (1 + 1) + (1 + 1)
    assert item_size(None) == 0


def test_write_units_round_up_per_kb():
    assert [_kb(0), _kb(1), _kb(1024), _kb(1025)] == [1, 1, 1, 2]
