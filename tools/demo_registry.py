"""A deterministic demo organisation: `python -m tools.demo_registry OUTDIR` writes units.csv and
members.csv in the importers' formats.

One committee, 4 general branches, 8 branches and 178 synthetic members, with 出生日期, 学历 and
职业 (drawn per member from her own seed, so they leave every other value as it was).
A few data-quality issues are planted on purpose (see `PLANTED`) so that the data-quality report
has something to show; every row still passes import validation.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from chalicelib.org import ROLES, STATUS_LABELS
from chalicelib.registry_fields import EDUCATION, OCCUPATIONS
from tools.registry_import import MEMBER_HEADERS, UNIT_HEADERS

SEED = 20210701
# Dates are relative to this fixed day, not today, so that every run writes the same files.
AS_OF = date(2026, 11, 1)
FIRST_MEMBER_NO = 10000001

COMMITTEE = ("C01", "示范供电公司党委")
GENERAL_BRANCHES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("G01", "机关党总支", (("B0101", "机关第一党支部"), ("B0102", "机关第二党支部"))),
    ("G02", "营销服务党总支", (("B0201", "客户服务党支部"), ("B0202", "计量抄核党支部"))),
    ("G03", "运维检修党总支", (("B0301", "变电运维党支部"), ("B0302", "输电运检党支部"))),
    ("G04", "基层供电所党总支", (("B0401", "城区供电所党支部"), ("B0402", "城郊供电所党支部"))),
)
BRANCH_SIZES = (31, 17, 26, 19, 24, 14, 28, 19)  # uneven on purpose; sums to 178
PROBATIONARY_COUNT = 18  # about 10%


@dataclass(frozen=True)
class DemoAccount:
    member_no: str
    name: str
    phone: str


# Stable accounts for demos and end-to-end tests, all in the first branch (B0101).
DEMO_SECRETARY = DemoAccount("10000001", "陈卫东", "13900000001")  # 支部书记 (+ 党总支委员)
DEMO_COMMITTEE = DemoAccount("10000005", "刘志强", "13900000004")  # 党委委员
DEMO_ADMIN = DemoAccount("10000008", "周海燕", "13900000002")  # 管理员
DEMO_MEMBER = DemoAccount("10000009", "李明", "13900000003")  # ordinary full member
DEMO_ACCOUNTS = (DEMO_SECRETARY, DEMO_COMMITTEE, DEMO_ADMIN, DEMO_MEMBER)

# Planted issues by data-quality key: (branch index, position in branch) of the members concerned.
_PLANT_AT: dict[str, tuple[tuple[int, int], ...]] = {
    "missing_phone": ((2, -1),),
    "missing_joined_on": ((4, -1),),
    "missing_gender": ((6, -1),),
    "overdue_probation": ((3, -1),),
    "shared_phone": ((5, -2), (7, -2)),
}


def _member_no(branch_index: int, position: int) -> str:
    size = BRANCH_SIZES[branch_index]
    return str(FIRST_MEMBER_NO + sum(BRANCH_SIZES[:branch_index]) + position % size)


PLANTED: dict[str, tuple[str, ...]] = {
    key: tuple(_member_no(b, p) for b, p in spots) for key, spots in _PLANT_AT.items()
}

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓"
_SURNAMES += "曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林亮成康建国志海峰东新庆"
_GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英萍红燕雪琳晶颖慧莉婷倩佳琴云洁梅兰凤玉蓉欣悦月璐"
_PHONE_PREFIXES = ("133", "135", "136", "137", "138", "150", "151", "152", "158", "159", "177")
_PHONE_PREFIXES += ("180", "181", "182", "186", "187", "188", "189", "198", "199")


def _name(rng: random.Random, gender: str, taken: set[str]) -> str:
    chars = _GIVEN_MALE if gender == "男" else _GIVEN_FEMALE
    while True:
        given = "".join(rng.choice(chars) for _ in range(rng.choice((1, 2, 2))))
        name = rng.choice(_SURNAMES) + given
        if name not in taken:
            taken.add(name)
            return name


def _phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        phone = rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone not in taken:
            taken.add(phone)
            return phone


def _day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _unit_rows() -> list[dict[str, str]]:
    rows = [dict(zip(UNIT_HEADERS, (*COMMITTEE, "党委", ""), strict=True))]
    for gid, gname, branches in GENERAL_BRANCHES:
        rows.append(dict(zip(UNIT_HEADERS, (gid, gname, "党总支", COMMITTEE[0]), strict=True)))
        for bid, bname in branches:
            rows.append(dict(zip(UNIT_HEADERS, (bid, bname, "党支部", gid), strict=True)))
    return rows


def _roles() -> dict[str, list[str]]:
    """Role keys by member number, laid out as the brief asks."""
    roles: dict[str, list[str]] = {}
    for b in range(len(BRANCH_SIZES)):
        roles.setdefault(_member_no(b, 0), []).append("branch_secretary")
        for p in range(1, 4 if b % 2 == 0 else 3):  # 3 committee members, then 2, alternately
            roles.setdefault(_member_no(b, p), []).append("branch_committee")
    for g in range(len(GENERAL_BRANCHES)):
        first, second = 2 * g, 2 * g + 1
        roles[_member_no(first, 0)].append("general_branch_committee")
        committee_size = 3 if second % 2 == 0 else 2
        roles.setdefault(_member_no(second, committee_size + 1), []).append(
            "general_branch_committee"
        )
    for p in (4, 5, 6):
        roles.setdefault(_member_no(0, p), []).append("party_committee")
    roles.setdefault(DEMO_ADMIN.member_no, []).append("admin")
    return roles


# 学历 and 职业 weights for a power-supply company's membership (more graduates and
# technicians than the national mix); the last members of some branches leave them blank.
_EDUCATION_WEIGHTS = (12, 48, 22, 8, 6, 4)
_OCCUPATION_WEIGHTS = (30, 0, 34, 16, 4, 0, 0, 12, 4)


def _structure(no: str, joined: date | None, as_of: date) -> tuple[str, str, str]:
    """出生日期, 学历, 职业 of one member, from a generator of her own (seeded by her number), so
    adding these columns changed no other generated value."""
    rng = random.Random(f"{SEED}#{no}")
    if joined is not None:  # joined at 18 to 40
        born = joined - timedelta(days=rng.randrange(18 * 366, 40 * 365))
    else:
        born = _day_between(rng, date(1962, 1, 1), date(2000, 12, 31))
    born = min(born, as_of - timedelta(days=19 * 366))
    education = rng.choices(EDUCATION, _EDUCATION_WEIGHTS)[0]
    occupation = rng.choices(OCCUPATIONS, _OCCUPATION_WEIGHTS)[0]
    if int(no) % 29 == 0:  # a few blanks: the structure figures show 未填写
        return born.isoformat(), "", ""
    return born.isoformat(), education, occupation


def generate(as_of: date = AS_OF) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The units rows and member rows, keyed by the importers' Chinese headers."""
    rng = random.Random(SEED)
    demo = {a.member_no: a for a in DEMO_ACCOUNTS}
    names = {a.name for a in DEMO_ACCOUNTS}
    phones = {a.phone for a in DEMO_ACCOUNTS}
    roles = _roles()
    planted = {no: key for key, nos in PLANTED.items() for no in nos}
    # Probationary members: never a role holder, demo account or planted issue (except the one).
    candidates = [
        str(n)
        for n in range(FIRST_MEMBER_NO, FIRST_MEMBER_NO + sum(BRANCH_SIZES))
        if str(n) not in roles and str(n) not in demo and str(n) not in planted
    ]
    probationary = set(rng.sample(candidates, PROBATIONARY_COUNT - 1))
    probationary.update(PLANTED["overdue_probation"])
    shared_phone = ""

    members = []
    branch_ids = [bid for _, _, branches in GENERAL_BRANCHES for bid, _ in branches]
    for b, branch_id in enumerate(branch_ids):
        for p in range(BRANCH_SIZES[b]):
            no = _member_no(b, p)
            gender = "男" if rng.random() < 0.62 else "女"
            if no in demo:
                gender = "女" if no == DEMO_ADMIN.member_no else "男"
            name = demo[no].name if no in demo else _name(rng, gender, names)
            phone = demo[no].phone if no in demo else _phone(rng, phones)
            if no in probationary:
                joined = as_of - timedelta(days=rng.randrange(20, 200))  # well inside the year
            else:
                joined = _day_between(rng, date(1975, 1, 1), date(2025, 6, 30))
            issue = planted.get(no)
            if issue == "overdue_probation":
                joined = as_of - timedelta(days=800)
            elif issue == "missing_phone":
                phone = ""
            elif issue == "missing_joined_on":
                joined = None
            elif issue == "missing_gender":
                gender = ""
            elif issue == "shared_phone":
                shared_phone = shared_phone or phone
                phone = shared_phone
            status = "probationary" if no in probationary else "full"
            values = (
                no,
                name,
                gender,
                phone,
                branch_id,
                STATUS_LABELS[status],
                "、".join(ROLES[k].label for k in roles.get(no, [])),
                joined.isoformat() if joined else "",
                *_structure(no, joined, as_of),
            )
            members.append(dict(zip(MEMBER_HEADERS, values, strict=True)))
    return _unit_rows(), members


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[dict[str, str]]) -> None:
    # UTF-8 with BOM, so that Excel opens the Chinese text correctly.
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(headers))
        writer.writeheader()
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成示范组织的 units.csv 和 members.csv")
    parser.add_argument("outdir", type=Path)
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    units, members = generate()
    write_csv(args.outdir / "units.csv", UNIT_HEADERS, units)
    write_csv(args.outdir / "members.csv", MEMBER_HEADERS, members)
    print(f"已写入 {len(units)} 个单位、{len(members)} 名党员到 {args.outdir}")
    for account in DEMO_ACCOUNTS:
        print(f"  示范账号 {account.member_no} {account.name} {account.phone}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
