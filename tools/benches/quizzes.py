"""Quizzes: read and write units per attempt start, resume, saved answer, challenge answer and
submission (grading, points, best score / self-check tallies), per exam ranking page and per quiz
hub, through the routes (the token check included); handler times over HTTP."""

from __future__ import annotations

import statistics
import time

import requests

from chalicelib import registry
from infra.local_stack import LocalStack
from tools.bench import Row, percentile
from tools.bench_routes import Routes
from tools.fixtures import bearer, make_member, make_tree
from tools.publish_quizzes import publish

HTTP_MEMBERS = 30


def _key(member_no: str, quiz_id: str, attempt_id: str) -> dict[str, list]:
    """The right answers of an attempt (setup, not measured): read as the grader would."""
    from chalicelib import quizzes
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
    member = make_member("32000001", "B1", password=None)
    m = member.member_no
    make_member("32000002", "B1", password=None)
    make_member("32000003", "B1", password=None)
    routes = Routes()
    rows: list[Row] = []

    def measure(action: str, method: str, path: str, body: dict | None = None) -> dict:
        reply, units = routes.measure(action, method, path, member=member, body=body)
        rows.extend(units)
        return reply.json_body

    daily = "/quizzes/daily/attempt"
    view = measure("daily quiz start (5 questions drawn)", "POST", daily)
    measure("daily quiz resume (start again)", "POST", daily)
    key = _key(m, "daily", view["attempt"])
    measure(
        "quiz answer saved",
        "POST",
        f"{daily}/answer",
        {"attempt": view["attempt"], "index": 0, "response": key["0"]},
    )
    rest = {k: v for k, v in key.items() if k != "0"}
    measure(
        "daily quiz submit",
        "POST",
        f"{daily}/submit",
        {"attempt": view["attempt"], "answers": rest},
    )

    exam_path = "/quizzes/dangzhang-exam/attempt"
    exam = measure("exam start (10 questions shuffled)", "POST", exam_path)
    ekey = _key(m, "dangzhang-exam", exam["attempt"])
    measure(
        "exam submit", "POST", f"{exam_path}/submit", {"attempt": exam["attempt"], "answers": ekey}
    )
    measure("exam ranking page", "GET", "/quizzes/dangzhang-exam/ranking")

    ch_path = "/quizzes/challenge/attempt"
    ch = measure("challenge start", "POST", ch_path)
    ckey = _key(m, "challenge", ch["attempt"])
    measure(
        "challenge answer (graded at once)",
        "POST",
        f"{ch_path}/answer",
        {"attempt": ch["attempt"], "index": 0, "response": ckey["0"]},
    )

    sv_path = "/quizzes/tijian/attempt"
    sv = measure("self-check start (8 items)", "POST", sv_path)
    answers = {str(i): [0] for i in range(len(sv["questions"]))}
    measure(
        "self-check submit, the branch's first this quarter",
        "POST",
        f"{sv_path}/submit",
        {"attempt": sv["attempt"], "answers": answers},
    )
    # The usual submit: the branch's tally exists (made by its first response of the quarter).
    colleague = registry.get_member("32000002")
    again = routes.send("POST", sv_path, member=colleague).json_body
    _, units = routes.measure(
        "self-check submit",
        "POST",
        f"{sv_path}/submit",
        member=colleague,
        body={"attempt": again["attempt"], "answers": answers},
    )
    rows.extend(units)
    measure("quiz hub (4 quizzes)", "GET", "/quizzes")

    # Handler times over HTTP: a daily quiz for each of HTTP_MEMBERS members.
    url = f"{stack.url}/api/quizzes/daily"
    start_ms, answer_ms, submit_ms = [], [], []
    for n in range(HTTP_MEMBERS):
        someone = make_member(f"3300{n:04d}", "B1", password=None)
        h = bearer(someone)
        with _Timer(start_ms):
            r = requests.post(f"{url}/attempt", headers=h, timeout=30)
        r.raise_for_status()
        attempt = r.json()["attempt"]
        k = _key(someone.member_no, "daily", attempt)
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
        *rows,
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
