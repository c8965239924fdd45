"""Quizzes: DynamoDB capacity units per attempt start, per saved answer, per challenge answer and
per submission (grading, points, best score / self-check tallies), each with the token check's
member read; handler times over HTTP."""

from __future__ import annotations

import statistics
import time

import requests

from chalicelib import quiz_reports, quizzes, registry
from infra.local_stack import LocalStack
from tools.bench import Row, percentile
from tools.capacity import metered
from tools.fixtures import bearer, make_member, make_tree
from tools.publish_quizzes import publish

HTTP_MEMBERS = 30


def _cost(member_no: str, work, scoped: bool = True) -> tuple[float, object]:
    """Units of one request's DynamoDB work as the handler does it: the token check's member
    read, the caller's branch where the route checks scope (start, hub, ranking), then `work`."""
    with metered() as m:
        member = registry.get_member(member_no)
        caller = registry.caller_for(member) if scoped else None
        out = work(member, caller)
    return round(m.total, 2), out


def _key(member_no: str, quiz_id: str, attempt_id: str) -> dict[str, list]:
    from chalicelib.models import QuizAttempt
    from chalicelib.quiz_grading import right_answer

    attempt = QuizAttempt.get(member_no, f"{quiz_id}#{attempt_id}", consistent_read=True)
    data = quizzes.questions([i["ref"] for i in attempt.items])
    return {
        str(i): right_answer(data[it["ref"]], quizzes.served_perm(attempt, i, data[it["ref"]]))
        for i, it in enumerate(attempt.items)
    }


def run(stack: LocalStack) -> list[Row]:
    make_tree()
    publish()  # the repository's demo banks and quizzes
    m = make_member("32000001", "B1", password=None).member_no
    make_member("32000002", "B1", password=None)
    make_member("32000003", "B1", password=None)

    daily_start, view = _cost(m, lambda mem, c: quizzes.start(mem, c, "daily"))
    daily_resume, _ = _cost(m, lambda mem, c: quizzes.start(mem, c, "daily"))
    key = _key(m, "daily", view["attempt"])
    answer_cu, _ = _cost(
        m, lambda mem, c: quizzes.answer(mem, "daily", view["attempt"], 0, key["0"]), False
    )
    daily_submit, _ = _cost(
        m,
        lambda mem, c: quizzes.submit(
            mem, "daily", view["attempt"], {k: v for k, v in key.items() if k != "0"}
        ),
        False,
    )

    exam_start, exam = _cost(m, lambda mem, c: quizzes.start(mem, c, "dangzhang-exam"))
    ekey = _key(m, "dangzhang-exam", exam["attempt"])
    exam_submit, _ = _cost(
        m, lambda mem, c: quizzes.submit(mem, "dangzhang-exam", exam["attempt"], ekey), False
    )
    ranking_cu, _ = _cost(m, lambda mem, c: quiz_reports.ranking(mem, c, "dangzhang-exam", None))

    ch_start, ch = _cost(m, lambda mem, c: quizzes.start(mem, c, "challenge"))
    ckey = _key(m, "challenge", ch["attempt"])
    ch_answer, _ = _cost(
        m, lambda mem, c: quizzes.answer(mem, "challenge", ch["attempt"], 0, ckey["0"]), False
    )

    survey_start, sv = _cost(m, lambda mem, c: quizzes.start(mem, c, "tijian"))
    survey_submit, _ = _cost(
        m,
        lambda mem, c: quizzes.submit(
            mem, "tijian", sv["attempt"], {str(i): [0] for i in range(len(sv["questions"]))}
        ),
        False,
    )
    hub_cu, _ = _cost(m, lambda mem, c: quiz_reports.hub(mem, c))

    # Handler times over HTTP: a daily quiz for each of HTTP_MEMBERS members.
    url = f"{stack.url}/api/quizzes/daily"
    start_ms, answer_ms, submit_ms = [], [], []
    for n in range(HTTP_MEMBERS):
        member = make_member(f"3300{n:04d}", "B1", password=None)
        h = bearer(member)
        with _Timer(start_ms):
            r = requests.post(f"{url}/attempt", headers=h, timeout=30)
        r.raise_for_status()
        attempt = r.json()["attempt"]
        k = _key(member.member_no, "daily", attempt)
        with _Timer(answer_ms):
            requests.post(
                f"{url}/attempt/answer",
                json={"attempt": attempt, "index": 0, "response": k["0"]},
                headers=h,
                timeout=30,
            ).raise_for_status()
        with _Timer(submit_ms):
            requests.post(
                f"{url}/attempt/submit", json={"attempt": attempt}, headers=h, timeout=30
            ).raise_for_status()
    return [
        ("capacity units per daily-quiz start (5 questions drawn)", daily_start, "CU"),
        ("capacity units per daily-quiz resume (start again)", daily_resume, "CU"),
        ("capacity units per saved answer", answer_cu, "CU"),
        ("capacity units per daily-quiz submit (grading + points)", daily_submit, "CU"),
        ("capacity units per exam start (10 questions shuffled)", exam_start, "CU"),
        ("capacity units per exam submit (grading + points + best scores)", exam_submit, "CU"),
        ("capacity units per exam ranking page", ranking_cu, "CU"),
        ("capacity units per challenge start", ch_start, "CU"),
        ("capacity units per challenge answer (graded at once)", ch_answer, "CU"),
        ("capacity units per self-check start (8 items)", survey_start, "CU"),
        ("capacity units per self-check submit (tallies, one transaction)", survey_submit, "CU"),
        ("capacity units per quiz hub (4 quizzes)", hub_cu, "CU"),
        ("POST /quizzes/daily/attempt (start) over HTTP, p50", _p50(start_ms), "ms"),
        ("POST /quizzes/daily/attempt (start) over HTTP, p95", _p95(start_ms), "ms"),
        ("POST .../attempt/answer over HTTP, p50", _p50(answer_ms), "ms"),
        ("POST .../attempt/submit over HTTP, p50", _p50(submit_ms), "ms"),
        ("POST .../attempt/submit over HTTP, p95", _p95(submit_ms), "ms"),
    ]


def _p50(samples: list[float]) -> float:
    return round(statistics.median(samples), 1)


def _p95(samples: list[float]) -> float:
    return round(percentile(samples, 95), 1)


class _Timer:
    def __init__(self, into: list[float]) -> None:
        self.into = into

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.into.append((time.perf_counter() - self.start) * 1000)
