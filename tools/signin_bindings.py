"""Show or remove a member's 企业微信 / 公众号 binding (the userid or openid that signs her in):
`python -m tools.signin_bindings show|remove MEMBER_NO [--provider wecom|mp] [--app-id ID]`.

Against a running `make dev`, or a stage's tables through `python -m infra.with_env --stage S`.
A binding is made once by the member herself (README: Login and scope); changing it — she got a
new WeCom account, or bound the wrong one — is this command's job: `remove`, then her next
sign-in inside 企业微信 asks for the identity check again. The corp id (WeCom) or AppID (公众号)
is taken from the settings (`WECOM_CORP_ID`, `WECHAT_MP_APP_ID`) unless `--app-id` names it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from chalicelib import oauth_signin
from chalicelib.identifiers import is_member_no
from chalicelib.oauth_providers import Provider, provider


def _provider(name: str, app_id: str | None) -> Provider:
    chosen = provider(name)
    assert chosen is not None
    if app_id:
        chosen = replace(chosen, app_id=app_id)
    if not chosen.app_id:
        what = "WECOM_CORP_ID" if name == "wecom" else "WECHAT_MP_APP_ID"
        sys.exit(f"未设置 {what}：请用 --app-id 指明企业 ID / 公众号 AppID")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("show", "remove"))
    parser.add_argument("member_no")
    parser.add_argument("--provider", choices=("wecom", "mp"), default="wecom")
    parser.add_argument("--app-id")
    args = parser.parse_args(argv)
    if not is_member_no(args.member_no):
        sys.exit(f"党员编号格式不正确：{args.member_no}")
    chosen = _provider(args.provider, args.app_id)
    if args.action == "show":
        subject = oauth_signin.bound_subject(chosen, args.member_no)
    else:
        subject = oauth_signin.unbind(chosen, args.member_no)
    if subject is None:
        print(f"{args.member_no}：未绑定{chosen.label}")
        return 1
    done = "已解除绑定" if args.action == "remove" else "已绑定"
    print(f"{args.member_no}：{done}{chosen.label}账号 {subject}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
