"""Key-field monitoring of the member registry, per branch: `python -m tools.data_quality`.

The checks are defined once in `chalicelib.data_quality` (the console's precompute job uses the
same); this tool renders them and `main` reads the units and members from DynamoDB (a Scan is
fine in an offline tool).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date

from chalicelib.data_quality import ISSUES, QualityReport, build_report
from tools.registry_import import load_members, load_units

__all__ = ["ISSUES", "QualityReport", "build_report", "main"]

# --- output ----------------------------------------------------------------------------------

HEADINGS = ("单位编号", "支部名称", "党员人数", *ISSUES.values(), "支部书记")


def _cells(report: QualityReport) -> list[list[str]]:
    rows = []
    for b in report.branches:
        counts = [str(len(b.issues[k])) for k in ISSUES]
        rows.append([b.unit_id, b.name, str(b.members), *counts, "有" if b.has_secretary else "无"])
    totals = report.totals()
    missing = totals["branches_without_secretary"]
    rows.append(
        [
            "合计",
            f"{len(report.branches)} 个支部",
            str(totals["members"]),
            *(str(totals[k]) for k in ISSUES),
            f"{missing} 个支部无" if missing else "齐全",
        ]
    )
    return rows


def _details(report: QualityReport) -> list[str]:
    lines = []
    for key, label in ISSUES.items():
        for b in report.branches:
            for m in b.issues[key]:
                lines.append(f"{label}: {m.member_no} {m.name} ({b.name})")
    lines += [f"无支部书记：{b.unit_id} {b.name}" for b in report.branches if not b.has_secretary]
    return lines


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def render_text(report: QualityReport) -> str:
    table = [list(HEADINGS), *_cells(report)]
    widths = [max(_width(row[i]) for row in table) for i in range(len(HEADINGS))]
    lines = [f"党员信息数据质量报告（截至 {report.as_of.isoformat()}）", ""]
    for row in table:
        lines.append("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)))
    details = _details(report)
    lines += ["", "问题明细：" if details else "未发现问题。", *(f"  {d}" for d in details)]
    return "\n".join(line.rstrip() for line in lines)


def render_markdown(report: QualityReport) -> str:
    lines = [f"## 党员信息数据质量报告（截至 {report.as_of.isoformat()}）", ""]
    lines.append("| " + " | ".join(HEADINGS) + " |")
    lines.append("|" + "|".join("---" for _ in HEADINGS) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in _cells(report)]
    details = _details(report)
    lines += ["", "### 问题明细" if details else "未发现问题。", ""]
    lines += [f"- {d}" for d in details]
    return "\n".join(lines).rstrip() + "\n"


def render_json(report: QualityReport) -> str:
    data = {
        "as_of": report.as_of.isoformat(),
        "branches": [
            {
                "unit_id": b.unit_id,
                "name": b.name,
                "members": b.members,
                "has_secretary": b.has_secretary,
                "issues": {k: [m.member_no for m in b.issues[k]] for k in ISSUES},
            }
            for b in report.branches
        ],
        "totals": report.totals(),
        "labels": ISSUES,
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="党员名册关键字段监测报告")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    parser.add_argument("--today", type=date.fromisoformat, help="按该日期计算（YYYY-MM-DD）")
    args = parser.parse_args(argv)
    report = build_report(load_units(), load_members(), args.today)
    print(RENDERERS[args.format](report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
