"""The demo 党费核定 (tools/demo_dues_assessment.py) as `make dev` writes it: every demo member
has an assessment in force, across every category and band the demo means to show; the demo
member's raise crosses a band in July with January still explained by January's base; one
corrected month keeps what it replaced; a second run writes nothing; and the API shows it to
her."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from chalicelib import dues_assessment
from chalicelib.dues_assessment import in_force
from chalicelib.models.dues import DuesAssessment
from tools import demo_dues_assessment, demo_registry, seed_demo

pytestmark = pytest.mark.usefixtures("clean_tables")
TODAY = date(2026, 12, 2)
RETIRED = "离退休党员：离退休费总额或养老金总额"


def test_every_member_assessed_once_and_explained(dynamodb, at) -> None:
    at("2026-12-02T02:00:00")
    seed_demo.seed()
    planned = demo_dues_assessment.plan(TODAY)
    assert demo_dues_assessment.seed(TODAY) == len(planned)
    first = {(i.member_no, i.effective_from): i.to_simple_dict() for i in DuesAssessment.scan()}
    assert demo_dues_assessment.seed(TODAY) == 0
    again = {(i.member_no, i.effective_from): i.to_simple_dict() for i in DuesAssessment.scan()}
    assert again == first

    _, members = demo_registry.generate()
    now = [in_force(m["党员编号"], "2026-12") for m in members]
    assert all(now) and len(now) == 178
    bands = Counter(i.bracket.split("，")[0] for i in now)
    assert {"在职党员：税后月工资收入 3000 元（含）以下", "在职党员：税后月工资收入 10000 元以上",
            f"{RETIRED} 5000 元以上", f"{RETIRED} 5000 元（含）以下",
            "其他党员：由党支部核定"} <= set(bands)  # fmt: skip
    assert bands.most_common(1)[0][0].startswith("在职党员")

    li = demo_registry.DEMO_MEMBER.member_no
    jan, jul = in_force(li, "2026-01"), in_force(li, "2026-07")
    assert (jan.base_fen, jan.amount_fen, jan.reason) == (492000, 4920, "yearly")
    assert (jul.base_fen, jul.amount_fen, jul.reason) == (523050, 7846, "base_change")
    assert "按 1% 交纳" in jan.bracket and "按 1.5% 交纳" in jul.bracket
    assert in_force(li, "2025-03").reason == "first"

    corrected = [i for i in DuesAssessment.scan() if i.reason == "correction"]
    assert len(corrected) == 1 and corrected[0].note and corrected[0].replaced
    assert corrected[0].replaced[0].amount_fen > corrected[0].amount_fen

    report = dues_assessment.report(li, "李明")
    assert [h["effective_from"] for h in report["history"]] == ["2026-07", "2026-01", "2025-01"]
    assert report["current"]["amount"] == "78.46"


def test_before_july_no_mid_year_changes() -> None:
    spring = demo_dues_assessment.plan(date(2027, 3, 1))
    assert {p.month for p in spring} == {"2026-01", "2027-01"}
