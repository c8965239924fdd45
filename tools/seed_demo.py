"""Load the demo organisation into the tables and give the demo accounts a known password.

Runs on every `make dev`: the importers update in place, and a password is set only where none is,
so a second run keeps everything members changed.
"""

from __future__ import annotations

from pathlib import Path

from chalicelib import passwords
from chalicelib.models import Member
from tools import demo_registry, import_members, import_units

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "var" / "demo"
DEMO_PASSWORD = "dangjian2026"
# Left unactivated so a newcomer can try activation (name + last 4 digits of the phone).
ACTIVATION_EXAMPLE = "10000010"


def seed() -> list[tuple[str, str, str]]:
    """Import the demo registry; return (role, member number, password or hint) to print."""
    _write_files()
    if import_units.main([str(DEMO_DIR / "units.csv")]) != 0:
        raise SystemExit("示范组织导入失败")
    if import_members.main([str(DEMO_DIR / "members.csv")]) != 0:
        raise SystemExit("示范党员导入失败")
    labels = {
        demo_registry.DEMO_MEMBER.member_no: "党员",
        demo_registry.DEMO_SECRETARY.member_no: "支部书记",
        demo_registry.DEMO_COMMITTEE.member_no: "党委委员",
        demo_registry.DEMO_ADMIN.member_no: "管理员",
    }
    shown = []
    for account in demo_registry.DEMO_ACCOUNTS:
        member = Member.get(account.member_no)
        if not member.password_hash:
            member.update(
                actions=[Member.password_hash.set(passwords.hash_password(DEMO_PASSWORD))]
            )
        shown.append((labels[account.member_no], account.member_no, DEMO_PASSWORD))
    example = Member.get(ACTIVATION_EXAMPLE)
    if not example.password_hash:
        hint = f"（待激活：姓名 {example.name}，手机后四位 {(example.phone or '')[-4:]}）"
        shown.append(("激活示例", ACTIVATION_EXAMPLE, hint))
    return shown


def _write_files() -> None:
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    units, members = demo_registry.generate()
    demo_registry.write_csv(DEMO_DIR / "units.csv", demo_registry.UNIT_HEADERS, units)
    demo_registry.write_csv(DEMO_DIR / "members.csv", demo_registry.MEMBER_HEADERS, members)
