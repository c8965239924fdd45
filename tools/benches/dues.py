"""党费收缴: read and write units per action through the real routes (the token check included):
a member opens 我的党费 with a year of months and payments; a secretary records a cash payment
(one month; three months of arrears and this one), and the same request again; a branch's month
of 30 members; the collection figures of a general branch (3 × 30) for a quarter."""

from __future__ import annotations

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes

BRANCH = 30


def _org() -> dict[str, object]:
    from chalicelib import clock
    from chalicelib import dues_collection as dc
    from chalicelib.models import DuesAssessment, Member
    from tools.fixtures import make_member, make_tree

    units = make_tree()
    people = {
        "sec": make_member("55000001", "B1", name="书记", roles=("branch_secretary",)),
        "gb": make_member("55000002", "B1", name="总支委员", roles=("general_branch_committee",)),
        "member": make_member("55000003", "B1", name="党员"),
        "late": make_member("55000004", "B1", name="欠缴党员"),
    }
    n = 0
    with Member.batch_write() as batch:
        for branch, size in (("B1", BRANCH - 4), ("B2", BRANCH), ("B3", BRANCH)):
            for _ in range(size):
                n += 1
                batch.save(Member(f"6{n:07d}", name=f"党员{n}", branch_id=branch, status="full"))
    numbers = [f"6{i:07d}" for i in range(1, n + 1)] + [f"5500000{i}" for i in range(1, 5)]
    bracket = "税后月工资收入 3000 元以上至 5000 元（含），按 1% 交纳"
    with DuesAssessment.batch_write() as batch:
        for no in numbers:
            batch.save(
                DuesAssessment(
                    no, "2025-01", category="salary", base_fen=400000, amount_fen=2000,
                    bracket=bracket, rate="1%", rules_digest="bench", reason="first",
                    branch_id="B1", assessed_at=clock.now(), assessed_by="bench",
                )
            )  # fmt: skip
    current = dc.current_month()
    path = list(units["B1"].path)
    member, late = people["member"], people["late"]
    for back in range(12, 0, -1):  # a year of months, each paid by bank
        month = dc.add_months(current, -back)
        dc.open_member_month(member, path, month)
        paid = dc.PaymentIn(
            f"bank:BENCH{back:04d}", member.member_no, 2000, clock.today().isoformat(), "bank",
            "bench.csv", "import",
        )  # fmt: skip
        dc.record(paid, member)
    for back in (3, 2, 1):
        dc.open_member_month(late, path, dc.add_months(current, -back))
    return people


def run(stack: LocalStack) -> list[Row]:
    from chalicelib import clock
    from chalicelib import dues_collection as dc

    people = _org()
    routes = Routes()
    rows: list[Row] = []
    today = clock.today().isoformat()
    quarter = dc.quarter_of(dc.current_month())
    member, sec, gb = people["member"], people["sec"], people["gb"]

    def cash(no: str, fen: int, key: str) -> dict:
        return {"member_no": no, "amount_fen": fen, "paid_on": today, "request_key": key}

    assert BRANCH == 30  # the names below are literal: tools/cost_estimate.py prices them
    for action, method, path, who, body in (
        ("my dues (13 months, 12 payments)", "GET", "/me/dues", member, None),
        ("cash payment recorded (one month)", "POST", "/dues/payments", sec,
         cash("55000003", 2000, "bench-cash-1")),
        ("cash payment again (the same request key)", "POST", "/dues/payments", sec,
         cash("55000003", 2000, "bench-cash-1")),
        ("cash payment recorded (3 months of arrears and this one)", "POST", "/dues/payments",
         sec, cash("55000004", 8000, "bench-cash-2")),
        ("a branch's month (30 members, opened on this view)", "GET", "/units/B1/dues", sec,
         None),
        ("a branch's month (30 members)", "GET", "/units/B1/dues", sec, None),
        (f"collection figures, general branch ({2 * BRANCH}, a quarter)", "GET",
         f"/units/G1/dues/figures?quarter={quarter}", gb, None),
    ):  # fmt: skip
        _, got = routes.measure(action, method, path, member=who, body=body)
        rows += got
    return rows
