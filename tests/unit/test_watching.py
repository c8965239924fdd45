"""Lesson coverage arithmetic (watching.py): ranges truncated to what the grant allows, 5 s
segments counted at half played, nothing counted twice."""

from __future__ import annotations

import itertools

import pytest

from chalicelib import lesson_rules, watching


@pytest.mark.parametrize(
    ("ranges", "budget", "expected"),
    [
        (((0, 10), (20, 40)), 100, [(0, 10), (20, 40)]),
        (((0, 10), (20, 40)), 15, [(0, 10), (20, 25)]),
        (((0, 50),), 30, [(0, 30)]),
        (((0, 10), (20, 40)), 10, [(0, 10)]),
        (((0, 10),), 0, []),
    ],
)
def test_ranges_are_truncated_in_the_order_sent(ranges, budget, expected):
    assert watching.truncate(ranges, budget) == expected


@pytest.mark.parametrize(
    ("ranges", "length", "segments"),
    [
        ([(0, 15)], 100, [0, 1, 2]),
        ([(0, 12.5)], 100, [0, 1, 2]),  # half of the third segment counts
        ([(0, 12.4)], 100, [0, 1]),
        ([(13.2, 28.4)], 100, [3, 4, 5]),  # the split segment 2 is counted by the beat before
        ([(0, 1.5), (1.5, 3)], 100, [0]),  # pieces of one segment add up
        ([(0, 2), (0, 2)], 100, []),  # the same seconds twice are played once
        ([(95, 98)], 98, [19]),  # the last, shorter segment: half of its own 3 s
        ([(96.6, 98)], 98, []),
    ],
)
def test_a_segment_counts_when_at_least_half_of_it_played(ranges, length, segments):
    assert watching.played_segments(ranges, length) == segments


def test_contiguous_playing_split_into_uneven_beats_covers_every_segment():
    bitmap = b""
    edges = [0, 13.2, 28.4, 41.9, 55.1, 60]
    for a, b in itertools.pairwise(edges):
        bitmap = watching.cover(bitmap, 60, [(a, b)], 1000)
    assert watching.covered_seconds(bitmap, 60) == 60


def test_coverage_added_never_exceeds_the_budget_and_is_never_counted_twice():
    once = watching.cover(b"", 600, [(2.5, 37.5)], 30)  # 8 half-or-more segments: 40 > 30
    assert watching.covered_seconds(once, 600) == 30
    again = watching.cover(once, 600, [(0, 30)], 30)  # seeking back adds nothing
    assert again == once
    assert len(once) == (lesson_rules.segments(600) + 7) // 8
