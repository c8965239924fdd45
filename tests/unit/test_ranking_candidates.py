"""The org boards' candidates (ranking.update_candidates) against a brute force: after any
sequence of changes, a list still long enough holds exactly the true top N."""

from __future__ import annotations

import random

import pytest

from chalicelib.ranking import best_candidates, update_candidates


@pytest.mark.parametrize("seed", range(40))
def test_candidates_hold_the_true_top_n(seed: int) -> None:
    rng = random.Random(seed)
    people = rng.randint(1, 40)
    top_n = rng.randint(1, 8)
    size = 2 * top_n
    points = {f"{i:04d}": rng.choice([0, 0, rng.randint(0, 30)]) for i in range(people)}

    def everyone() -> list[list]:
        return [[no, pts, f"n{no}", "B1"] for no, pts in points.items()]

    cands = best_candidates(everyone(), size)
    for _ in range(200):
        no = rng.choice(list(points))
        # Mostly awards, sometimes a reversal (a fall), sometimes no change at all.
        points[no] = max(0, points[no] + rng.choice([-7, -1, 0, 1, 2, 5, 9]))
        cands = update_candidates(
            cands, [no, points[no], f"n{no}", "B1"], size, complete=len(cands) >= people
        )
        assert len(cands) <= max(size, people)
        truth = best_candidates(everyone(), size)
        if len(cands) < min(top_n, people):
            cands = truth  # the job recomputes everything here
            continue
        assert cands[:top_n] == truth[:top_n]
        # The invariant itself: the list is a prefix of the true order.
        assert cands == best_candidates(everyone(), len(cands))
