"""The demo organisation's 季度检查 for `make dev`: last quarter's inspection of the general
branches by the 党委 (刘志强, 党委委员), scored and published as a 通报; the same for the
机关党总支's branches (陈卫东, 党总支委员); and this quarter's inspection by the 党委 in progress
(some cells scored), so 季度检查 and 通报 show both states.

Played through `chalicelib.inspections` itself (open, score, publish: the real conditional
writes and the 通报's messages). Idempotent: each inspection's id derives from its unit and a fixed
request key, so a second run finds it and changes nothing.
"""

from __future__ import annotations

import sys

from chalicelib import inspections, registry
from chalicelib.inspection_checklist import checklist, points
from chalicelib.models import Member
from chalicelib.models.inspections import Inspection
from tools import demo_registry

# Comments by how many tenths an item lost (a little, a lot).
_LOST = (
    "个别记录不够完整，已当场指出，请限期补齐。",
    "落实不到位，相关记录缺失较多，请对照要求认真整改。",
)
SUMMARY = (
    "按照党委季度检查安排，检查组对各单位党建工作进行了检查。总体看，各单位能够落实「七个一」"
    "工作规范，组织生活基本规范，平台信息更新及时；但也存在记录不完整、群众测评公示不及时等问题。"
    "请各单位对照检查意见逐项整改，整改情况于下季度检查时一并复查。"
)


def _quarters() -> tuple[str, str]:
    now = inspections.current_quarter()
    year, q = int(now[:4]), int(now[-1])
    last = f"{year}-Q{q - 1}" if q > 1 else f"{year - 1}-Q4"
    return last, now


def _score(seed: int, max_tenths: int, step: int) -> int:
    """A deterministic score: most items near full marks, some deducted."""
    lost = (seed * 7 + 3) % 5  # 0..4 steps lost
    return max(0, max_tenths - lost * step if seed % 3 else max_tenths)


def _play(
    member_no: str, unit_id: str, key: str, quarter: str, *, publish: bool, part: float
) -> bool:
    member = Member.get(member_no)
    caller = registry.caller_for(member)
    iid = inspections.inspection_id_for(unit_id, key)
    try:
        Inspection.get(iid, inspections.HEAD, consistent_read=True)
        return False
    except Inspection.DoesNotExist:
        pass
    made, _ = inspections.open_inspection(
        caller, member, {"unit_id": unit_id, "quarter": quarter, "request_key": key}
    )
    items = checklist()
    cells = [(u["id"], i) for u in made["units"] for i in items.items]
    for n, (unit, item) in enumerate(cells[: int(len(cells) * part)]):
        value = _score(n + len(unit) * 5 + sum(map(ord, unit)), item.max_tenths, items.step_tenths)
        lost = item.max_tenths - value
        comment = "" if not lost else _LOST[0 if lost <= 2 * items.step_tenths else 1]
        body = {"unit_id": unit, "item": item.key, "score": points(value), "comment": comment}
        inspections.score(caller, member, iid, body)
    if publish:
        inspections.publish(caller, member, iid, {"summary": SUMMARY})
    return True


def seed() -> int:
    """Play the demo inspections not played yet; returns how many were played now."""
    last, now = _quarters()
    committee = demo_registry.DEMO_COMMITTEE.member_no
    secretary = demo_registry.DEMO_SECRETARY.member_no
    played = 0
    played += _play(committee, "C01", f"demo-{last}-c01", last, publish=True, part=1)
    played += _play(secretary, "G01", f"demo-{last}-g01", last, publish=True, part=1)
    played += _play(committee, "C01", f"demo-{now}-c01", now, publish=False, part=0.4)
    return played


if __name__ == "__main__":
    print(f"示范季度检查：新写入 {seed()} 次")
    sys.exit(0)
