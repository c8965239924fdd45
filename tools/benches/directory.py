"""通讯录 and 政治生日: read and write units per action through the real routes (the token check
included) over an organisation of 1,000 members (4 general branches × 5 branches × 50): a name
search (the name index's shards, the matches read by key), a branch's page of 50, the branch
picker, her card on the day and on another day, and the month's anniversaries of a branch, a
general branch (250) and the committee (1,000); and keeping the index (`member_changed`, one
map key of one shard; the import's whole rebuild)."""

from __future__ import annotations

import random

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes, unit_rows
from tools.capacity import metered

GENERALS, BRANCHES, SIZE = 4, 5, 50
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华红建国志文斌"


def _org() -> dict[str, object]:
    from chalicelib import clock
    from chalicelib.models import Member, OrgUnit
    from tools.fixtures import make_member

    rng = random.Random(15)
    c1 = OrgUnit("C1", name="示范党委", kind="committee", path=["C1"], path_kinds=["committee"])
    c1.save()
    branches = []
    for g in range(GENERALS):
        gid = f"G{g}"
        OrgUnit(
            gid, name=f"第{g + 1}党总支", kind="general_branch", parent_id="C1",
            path=["C1", gid], path_kinds=["committee", "general_branch"],
        ).save()  # fmt: skip
        for b in range(BRANCHES):
            bid = f"B{g}{b}"
            OrgUnit(
                bid, name=f"第{g + 1}{b + 1}党支部", kind="branch", parent_id=gid,
                path=["C1", gid, bid], path_kinds=["committee", "general_branch", "branch"],
            ).save()  # fmt: skip
            branches.append(bid)
    today = clock.today()
    n = 0
    with Member.batch_write() as batch:
        for bid in branches:
            for _ in range(SIZE - (2 if bid == "B00" else 0)):
                n += 1
                name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
                y, m, d = rng.randrange(1970, 2024), rng.randrange(1, 13), rng.randrange(1, 29)
                joined = f"{y}-{m:02d}-{d:02d}"
                batch.save(
                    Member(
                        f"6{n:07d}", name=name, branch_id=bid, status="full", phone="13800000000",
                        gender="女", joined_on=joined,
                    )
                )  # fmt: skip
    on_the_day = today.replace(year=today.year - 20).isoformat()
    return {
        "member": make_member("50000001", "B00", name="王红", joined_on=on_the_day),
        "pc": make_member("50000002", "B00", name="党委委员", roles=("party_committee",)),
    }


def run(stack: LocalStack) -> list[Row]:
    from chalicelib import clock, directory
    from chalicelib.models import Member
    from tools.directory_index import rebuild

    people = _org()
    with metered() as meter:
        rebuild()
    rows = unit_rows("通讯录 index rebuilt (1,000 members: a Scan and 8 shard writes)", meter)
    routes = Routes()
    member, pc = people["member"], people["pc"]
    month = clock.today().strftime("%Y-%m")
    for action, path, who in (
        ("通讯录 search by a name's part (1,000 members)", "/directory/search?q=%E7%BA%A2", member),
        ("通讯录 search, an exact name", "/directory/search?q=%E7%8E%8B%E7%BA%A2", member),
        ("通讯录 branch picker (20 branches)", "/directory/branches", member),
        (f"通讯录 a branch's page ({SIZE})", "/directory/branches/B01", member),
        ("政治生日 card on the day", "/me/birthday", member),
        ("政治生日 card, another day", "/me/birthday", pc),
        (f"anniversaries of a month, a branch ({SIZE})",
         f"/units/B00/anniversaries?month={month}", pc),
        (f"anniversaries of a month, a general branch ({BRANCHES * SIZE})",
         f"/units/G0/anniversaries?month={month}", pc),
        (f"anniversaries of a month, the committee ({GENERALS * BRANCHES * SIZE})",
         f"/units/C1/anniversaries?month={month}", pc),
    ):  # fmt: skip
        _, got = routes.measure(action, "GET", path, member=who)
        rows += got
    changed = Member.get("60000001")
    with metered() as meter:
        directory.member_changed(changed)
    rows += unit_rows("通讯录 member_changed (one map key of a 1,000-member index)", meter)
    return rows
