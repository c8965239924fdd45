"""layout_measure.js's rules, measured once the screen has settled.

A toast fading in, or a chart redrawn after the viewport or the text size changed, is measured
mid-way on a busy machine (its contrast or its labels' places are not yet final). The rules are
measured again, a few times, while problems are found: what a page really gets wrong is still
there after two seconds, a transition is not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

MEASURE = (Path(__file__).parent / "layout_measure.js").read_text(encoding="utf-8")
# Every finite animation (a toast's fade) at its end.
SETTLED = """() => Promise.all(document.getAnimations()
  .filter((a) => a.effect && Number.isFinite(a.effect.getComputedTiming().endTime))
  .map((a) => a.finished.catch(() => null)))"""


def problems(
    page: Page, options: dict[str, Any], keep: Callable[[str], bool] = lambda _p: True
) -> list[str]:
    """The layout problems `keep` accepts, once the screen has settled (empty if none)."""
    found: list[str] = []
    for attempt in range(8):
        if attempt:
            page.wait_for_timeout(250)
        page.evaluate(SETTLED)
        found = [p for p in page.evaluate(MEASURE, options) if keep(p)]
        if not found:
            break
    return found
