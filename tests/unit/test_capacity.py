"""The capacity meter's derivation of AWS-billed units, on worked cases from AWS's documentation.

Sources (Amazon DynamoDB Developer Guide):
  [SIZES] CapacityUnitCalculations.html — "DynamoDB item sizes and formats"
  [RW]    read-write-operations.html — "Capacity unit consumption for read/write operations"
  [TX]    transaction-apis.html — "Capacity management for transactions"
  [GSI]   GSI.html#GSI.Writes — "Write capacity units" of global secondary indexes
"""

from __future__ import annotations

import pytest

from tools.capacity import (
    Index,
    Schema,
    index_write_units,
    item_size,
    local_units,
    number_size,
    read_units,
    schema_from_description,
    write_units,
)

KB = 1024


# ---- item sizes -------------------------------------------------------------------------------


def test_string_is_name_plus_utf8_bytes() -> None:
    # [SIZES] "(number of UTF-8-encoded bytes of attribute name) + (number of UTF-8-encoded bytes)"
    assert item_size({"name": {"S": "张三"}}) == 4 + 6
    assert item_size({"名字": {"S": "ab"}}) == 6 + 2


@pytest.mark.parametrize(
    ("number", "size"),
    [("7", 2), ("12", 2), ("123", 3), ("123.45", 4), ("-1000", 2), ("0.00120", 2), ("0", 2)],
)
def test_number_is_a_byte_per_two_significant_digits_plus_one(number: str, size: int) -> None:
    # [SIZES] "Leading and trailing zeroes are trimmed ... (1 byte per two significant digits)
    # + (1 byte)"
    assert number_size(number) == size


def test_binary_bool_null() -> None:
    # [SIZES] binary: raw byte length (not its base64); null or Boolean: name + 1 byte
    assert item_size({"b": {"B": b"\x00\x01\x02"}}) == 1 + 3
    assert item_size({"b": {"B": "AAEC"}}) == 1 + 3  # base64 as sent: still 3 raw bytes
    assert item_size({"ok": {"BOOL": True}, "no": {"NULL": True}}) == (2 + 1) + (2 + 1)


def test_list_and_map_have_3_bytes_plus_1_per_element() -> None:
    # [SIZES] "An attribute of type List or Map requires 3 bytes of overhead ... Each List or Map
    # element also requires 1 byte of overhead"; an empty one is name + 3
    assert item_size({"tags": {"L": [{"S": "ab"}, {"N": "7"}]}}) == 4 + 3 + (2 + 1) + (2 + 1)
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + (1 + 1 + 1)
    assert item_size({"m": {"M": {}}}) == 1 + 3


def test_sets_count_their_elements() -> None:
    # [SIZES] sets are sized by their elements, as the scalars they hold
    assert item_size({"s": {"SS": ["a", "bc"]}}) == 1 + 3
    assert item_size({"n": {"NS": ["1", "123"]}}) == 1 + 2 + 3


# ---- reads ------------------------------------------------------------------------------------


def test_reads_round_up_to_4_kb() -> None:
    # [RW] "reading a 3,500-byte item consumes the same throughput as reading a 4 KB item"
    assert read_units(3500) == 1
    # [RW] "if your item size is 8 KB, you require 2 read units to sustain one strongly consistent
    # read, 1 read unit if you choose eventually consistent reads, or 4 read units for a
    # transactional read request"
    assert read_units(8 * KB) == 2
    assert read_units(8 * KB, consistent=False) == 1
    assert read_units(8 * KB, transactional=True) == 4
    # [RW] GetItem: "If you read an item of 10 KB, DynamoDB rounds the item size to 12 KB"
    assert read_units(10 * KB) == 3


def test_batch_get_rounds_each_item_query_rounds_the_sum() -> None:
    # [RW] BatchGetItem: "if BatchGetItem reads a 1.5 KB item and a 6.5 KB item, DynamoDB
    # calculates the size as 12 KB (4 KB + 8 KB), not 8 KB (1.5 KB + 6.5 KB)"
    assert read_units(1536) + read_units(6656) == 3
    # [RW] Query: "all items returned are treated as a single read operation ... DynamoDB
    # computes the total size of all items and then rounds up to the next 4 KB boundary"
    assert read_units(1536 + 6656) == 2


def test_reading_a_missing_item_costs_the_minimum() -> None:
    # [RW] a read of an item that does not exist still consumes the minimum read units
    assert read_units(0) == 1
    assert read_units(0, consistent=False) == 0.5


# ---- writes -----------------------------------------------------------------------------------


def test_writes_round_up_to_1_kb_of_the_larger_image() -> None:
    # [RW] PutItem/DeleteItem: "if you put or delete an item of 1.6 KB, DynamoDB rounds the item
    # size up to 2 KB"; an item of 3.5 KB written costs 4
    assert write_units(0, int(1.6 * KB)) == 2
    assert write_units(int(3.5 * KB), 0) == 4
    assert write_units(0, int(3.5 * KB)) == 4
    # [RW] UpdateItem: "the larger of the item sizes before and after the update"
    assert write_units(int(2.5 * KB), 500) == 3


def test_batch_write_rounds_each_item() -> None:
    # [RW] BatchWriteItem: "if BatchWriteItem writes a 500-byte item and a 3.5 KB item, DynamoDB
    # calculates the size as 5 KB (1 KB + 4 KB), not 4 KB (500 bytes + 3.5 KB)"
    assert write_units(0, 500) + write_units(0, int(3.5 * KB)) == 5


def test_transactional_writes_cost_double_per_item() -> None:
    # [TX] "DynamoDB performs two underlying reads or writes of every item in the transaction: one
    # to prepare the transaction and one to commit the transaction": a transactional write of a
    # 500-byte item costs 2, of a 1.5 KB item 4; ten 500-byte items 20 (per item, not per table)
    assert write_units(0, 500, transactional=True) == 2
    assert write_units(0, 1536, transactional=True) == 4
    assert sum(write_units(0, 500, transactional=True) for _ in range(10)) == 20


# ---- secondary indexes ------------------------------------------------------------------------

SCHEMA = Schema(
    keys=("pk",),
    indexes=(
        Index("by_g", keys=("g", "t"), projection="INCLUDE", include=("p",)),
        Index("by_h", keys=("h",), projection="KEYS_ONLY"),
    ),
)
OLD = {"pk": {"S": "a"}, "g": {"S": "g1"}, "t": {"N": "1"}, "p": {"S": "x"}, "q": {"S": "y"}}


def test_a_new_item_with_the_index_key_is_one_index_write() -> None:
    # [GSI] "If you write a new item to the table that defines an indexed attribute ... one write
    # operation is required to put the item into the index"; by_h: no h, sparse, nothing
    assert index_write_units(None, OLD, SCHEMA) == 1


def test_changing_only_a_projected_attribute_is_one_write() -> None:
    # [GSI] "If an update to the table only changes the value of projected attributes ... but does
    # not change the value of any indexed key attribute, one write is required"
    assert index_write_units(OLD, {**OLD, "p": {"S": "z"}}, SCHEMA) == 1


def test_changing_an_unprojected_attribute_costs_the_index_nothing() -> None:
    # [GSI] the index entry is unchanged (q is not projected into by_g): nothing to propagate
    assert index_write_units(OLD, {**OLD, "q": {"S": "z"}}, SCHEMA) == 0


def test_changing_the_index_key_is_two_writes() -> None:
    # [GSI] "If an update to the table changes the value of an indexed key attribute (from A to B),
    # two writes are required, one to delete the previous item from the index and another write
    # to put the new item into the index"
    assert index_write_units(OLD, {**OLD, "t": {"N": "2"}}, SCHEMA) == 2


def test_leaving_the_index_is_one_write() -> None:
    # [GSI] "If an item was present in the index, but a write to the table caused the indexed
    # attribute to be deleted, one write is required to delete the old item projection"
    without_g = {k: v for k, v in OLD.items() if k != "g"}
    assert index_write_units(OLD, without_g, SCHEMA) == 1
    assert index_write_units(OLD, None, SCHEMA) == 1  # the item deleted


def test_sparse_index_absent_before_and_after_costs_nothing() -> None:
    # [GSI] "If an item is not present in the index before or after the item is updated, there is
    # no additional write cost for the index"
    plain = {"pk": {"S": "a"}, "q": {"S": "y"}}
    assert index_write_units(plain, {**plain, "q": {"S": "z"}}, SCHEMA) == 0


def test_index_entries_over_1_kb_cost_more() -> None:
    # [GSI] "Larger index entries require additional write capacity units": by_g projects p
    big = {**OLD, "p": {"S": "x" * 1500}}
    assert index_write_units(None, big, SCHEMA) == 2
    # by_h is KEYS_ONLY: the 1.5 KB p is not in its entry
    assert index_write_units(None, {**big, "h": {"S": "k"}}, SCHEMA) == 2 + 1


def test_schema_from_describe_table() -> None:
    described = {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by_g",
                "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"},
                    {"AttributeName": "t", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["p"]},
            }
        ],
    }
    schema = schema_from_description(described)
    assert schema.keys == ("pk",)
    assert schema.indexes == (Index("by_g", ("g", "t"), "INCLUDE", ("p",)),)


def test_local_figures_are_read_from_consumed_capacity() -> None:
    reply = [{"TableName": "t", "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}]
    assert local_units("TransactWriteItems", reply) == (0.0, 4.0)
    assert local_units("Query", {"CapacityUnits": 0.5}) == (0.5, 0.0)
    assert local_units("PutItem", None) == (0.0, 0.0)
