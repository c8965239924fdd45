"""问卷: read and write units through the real routes — a 10-question survey composed and
published, one member's answer (one transaction: the survey's ConditionCheck + the conditional
put; the row keeps its name, tools/cost_estimate.py prices it by that name), her list
of surveys, and the results (JSON and XLSX) at `RESPONDENTS` answers: one Query of the survey's
answer partition, no tally item (so parallel answers never contend on one item)."""

from __future__ import annotations

import json
import random
import time
from datetime import datetime

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes

RESPONDENTS = 300  # written out in the figures below (priced by tools/cost_estimate.py)
QUESTIONS = [
    {"kind": "single", "text": f"单选题{n}", "options": ["满意", "比较满意", "一般", "不满意"]}
    for n in range(1, 5)
] + [
    {"kind": "multiple", "text": f"多选题{n}", "options": ["讲座", "参观", "微课", "读书", "研讨"],
     "max": 3}
    for n in range(1, 3)
] + [{"kind": "rating", "text": f"评分题{n}"} for n in range(1, 3)] + [
    {"kind": "text", "text": f"简答题{n}"} for n in range(1, 3)
]  # fmt: skip


def _answer(rng: random.Random) -> dict:
    out: dict = {f"q{n}": f"o{rng.randint(1, 4)}" for n in range(1, 5)}
    out |= {f"q{n}": sorted(rng.sample(["o1", "o2", "o3", "o4", "o5"], 2)) for n in (5, 6)}
    out |= {"q7": rng.randint(3, 5), "q8": rng.randint(1, 5)}
    out["q9"] = "希望多组织实地参观学习，结合业务开展主题党日活动。"
    return out


def run(stack: LocalStack) -> list[Row]:
    from chalicelib import clock
    from chalicelib.models import Member
    from chalicelib.models.surveys import SurveyAnswer
    from tools.fixtures import make_member, make_tree, rid

    make_tree()
    staff = make_member("56000001", "B3", name="党委委员", roles=("party_committee",))
    branches = ("B1", "B2", "B3")
    with Member.batch_write() as batch:
        for n in range(RESPONDENTS):
            batch.save(Member(f"5700{n:04d}", name=f"党员{n}", branch_id=branches[n % 3],
                              status="full"))  # fmt: skip
    routes = Routes()
    rows: list[Row] = []
    closes = datetime.fromtimestamp(time.time() + 7 * 86400, clock.TZ).strftime("%Y-%m-%d %H:%M")
    body = {"unit_id": "C1", "title": "学习需求调查", "questions": QUESTIONS, "closes_at": closes,
            "request_key": rid()}  # fmt: skip
    reply, got = routes.measure("survey composed (10 questions, draft)", "POST", "/surveys",
                                member=staff, body=body)  # fmt: skip
    rows += got
    sid = reply.json_body["id"]
    _, got = routes.measure("survey published", "POST", f"/surveys/{sid}/publish", member=staff)
    rows += got
    rng = random.Random(16)
    groups = {"B1": "G1", "B2": "G1", "B3": "B3"}
    with SurveyAnswer.batch_write() as batch:
        for n in range(1, RESPONDENTS):
            batch.save(SurveyAnswer(sid, f"5700{n:04d}", group=groups[branches[n % 3]],
                                    answers=json.dumps(_answer(rng), ensure_ascii=False),
                                    at=time.time()))  # fmt: skip
    member = Member.get("57000000")
    answer = {"answers": _answer(rng)}
    path = f"/surveys/{sid}/answers"
    name = "survey answered (one transaction: the open check and the put)"
    _, got = routes.measure(name, "POST", path, member=member, body=answer)
    rows += got
    _, got = routes.measure("her surveys (her list)", "GET", "/me/surveys", member=member)
    rows += got
    _, got = routes.measure("a survey read by a respondent", "GET", f"/surveys/{sid}",
                            member=member)  # fmt: skip
    rows += got
    _, got = routes.measure("survey results (300 respondents)", "GET",
                            f"/surveys/{sid}/results", member=staff)  # fmt: skip
    rows += got
    xlsx = {"Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    _, got = routes.measure("survey results as XLSX (300 respondents)", "GET",
                            f"/surveys/{sid}/results?format=xlsx", member=staff,
                            headers=xlsx)  # fmt: skip
    return rows + got
