"""Delete a departed member's personal data from the command line, as the 管理员's button does:
`python -m tools.erase_member <member number> --by <the admin's member number>`
(`make erase-member NO=… BY=…`).

The same code and the same checks as `POST /api/registry/members/{no}/erase`
(`chalicelib.personal_erase`): BY must be in the registry (not deactivated) and hold the
管理员 role over her tree, she must be
deactivated, and the request key is derived from both numbers, so running the command again after
a failure halfway completes the deletion, and after success only prints what was done.
"""

from __future__ import annotations

import argparse
import sys

from chalicelib import personal_erase, registry
from chalicelib.errors import ApiError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="删除已停用党员的个人信息")
    parser.add_argument("member_no", help="已停用党员的党员编号")
    parser.add_argument("--by", required=True, help="执行删除的管理员的党员编号")
    args = parser.parse_args(argv)
    actor = registry.get_member(args.by, consistent=True)
    if actor is None:
        print(f"没有党员编号为 {args.by} 的管理员", file=sys.stderr)
        return 2
    if not actor.active:  # her roles stay on the item after she left: not an admin any more
        print(f"党员编号为 {args.by} 的党员已停用，不能执行删除", file=sys.stderr)
        return 2
    body = {
        "request_key": f"erase-{args.member_no}-by-{actor.member_no}",
        "confirm": args.member_no,
    }
    try:
        answer, created = personal_erase.erase(
            registry.caller_for(actor), actor, args.member_no, body
        )
    except ApiError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    done = "已删除" if created else "此前已删除"
    print(
        f"{done}：党员 {answer['member_no']} 的个人信息（{answer['writes']} 次写入，"
        f"涉及 {len(answer['tables'])} 个表）"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
