"""Campaign articles' voting rules: checked at build time with file, line and field, and written
to campaigns.json with the published candidates; the word filter's normalisation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chalicelib import sensitive
from tests.unit.test_site_build import ROOT, article, build

CAMPAIGN = {
    "Title": "评选",
    "Date": "2026-10-10 09:00",
    "Category": "先进风采",
    "Branch": "C01",
    "Exemplar": "campaign",
    "Campaign": "pingxuan-2026",
    "Template": "campaign",
    "Slug": "pingxuan-2026",
}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    (folder / "articles").mkdir(parents=True)
    (folder / "images").mkdir()
    (folder / "units.csv").write_bytes((ROOT / "content" / "units.csv").read_bytes())
    (folder / "images" / "a.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    article(
        folder / "articles" / "hou-xuan.md",
        Title="候选人甲",
        Date="2026-10-01",
        Category="先进风采",
        Exemplar="individual",
        Photo="{static}/images/a.svg",
        Unit="B0101",
        Campaign="pingxuan-2026",
        Slug="hou-xuan",
    )
    return folder


def test_a_campaign_with_rules_is_written_to_campaigns_json(content: Path, tmp_path: Path):
    rules = {
        "Vote-Start": "2026-11-01 08:00",
        "Vote-End": "2026-11-30 18:00",
        "Vote-Per-Member": "3",
        "Vote-Daily": "1",
        "Vote-Units": "G01, B0301",
        "Vote-Results": "live",
    }
    article(content / "articles" / "pingxuan.md", **CAMPAIGN, **rules)
    build(content, tmp_path / "out")
    (entry,) = json.loads((tmp_path / "out" / "campaigns.json").read_text(encoding="utf-8"))
    assert entry["id"] == "pingxuan-2026" and entry["url"] == "/articles/pingxuan-2026.html"
    assert entry["starts_at"] == "2026-11-01T08:00:00+08:00"
    assert entry["ends_at"] == "2026-11-30T18:00:00+08:00"
    assert (entry["votes_per_member"], entry["per_candidate"], entry["daily_quota"]) == (3, 1, 1)
    assert entry["units"] == ["G01", "B0301"] and entry["results"] == "live"
    assert [c["slug"] for c in entry["candidates"]] == ["hou-xuan"]
    page = (tmp_path / "out" / "articles" / "pingxuan-2026.html").read_text(encoding="utf-8")
    assert 'data-candidate="hou-xuan"' in page and "2026-11-01 08:00 至 2026-11-30 18:00" in page


@pytest.mark.parametrize(
    ("rules", "field", "text"),
    [
        ({}, "Vote-End", "评选活动须写 Vote-End"),
        ({"Vote-End": "2026年12月31日"}, "Vote-End", "须为 YYYY-MM-DD HH:MM"),
        ({"Vote-End": "2026-10-01 00:00"}, "Vote-End", "须晚于 Vote-Start"),
        ({"Vote-End": "2026-12-31 18:00", "Vote-Per-Member": "0"}, "Vote-Per-Member", "1–1000"),
        (
            {"Vote-End": "2026-12-31 18:00", "Vote-Per-Candidate": "3"},
            "Vote-Per-Candidate",
            "不能大于 Vote-Per-Member",
        ),
        ({"Vote-End": "2026-12-31 18:00", "Vote-Units": "B9999"}, "Vote-Units", "B9999"),
        ({"Vote-End": "2026-12-31 18:00", "Vote-Results": "now"}, "Vote-Results", "live"),
    ],
)
def test_wrong_rules_stop_the_build_with_file_line_and_field(
    content: Path, tmp_path: Path, rules: dict[str, str], field: str, text: str
):
    article(content / "articles" / "pingxuan.md", **CAMPAIGN, **rules)
    with pytest.raises(Exception) as failure:
        build(content, tmp_path / "out")
    lines = (content / "articles" / "pingxuan.md").read_text(encoding="utf-8").splitlines()
    line = next((i for i, ln in enumerate(lines, 1) if ln.startswith(f"{field}:")), 1)
    assert re.search(rf"pingxuan\.md:{line}: .*{re.escape(text)}", str(failure.value)), str(
        failure.value
    )


@pytest.mark.parametrize(
    "text",
    ["有人拉我去赌博", "赌 博", "赌*博", "赌\u200b博", "ＣＡＳＩＮＯ", "Casino!", "网 络 赌 场"],
)
def test_the_word_filter_sees_through_width_case_and_spacing(text: str):
    assert sensitive.find(text)


def test_ordinary_study_notes_pass_the_filter():
    assert sensitive.find("认真学习党章，做合格党员。博物馆参观很有收获。") == []
