"""`make dev`: the whole product locally with demo data, on one origin like production.

DynamoDB Local keeps its data in `var/dynamodb/` (git-ignored), so a second run keeps everything
but the S3 stand-in's files (in memory). Ports: DDB_PORT (8000), API_PORT (8001), WEB_PORT (8080),
WECOM_PORT (8002), S3_PORT (8003). Ctrl-C stops everything started here.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from infra.local_stack import LocalStack, api_environment

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
SECRETS = VAR / "dev-secrets.json"
# Where a running `make dev` says which ports it took, so the commands that talk to its tables
# (`make review`, `make import-members`, ...) find them without exporting anything.
RUNNING = VAR / "dev-stack.json"

PORTS = {
    "ddb": int(os.environ.get("DDB_PORT", "8000")),
    "api": int(os.environ.get("API_PORT", "8001")),
    "web": int(os.environ.get("WEB_PORT", "8080")),
    "wecom": int(os.environ.get("WECOM_PORT", "8002")),  # the WeCom stand-in
    "s3": int(os.environ.get("S3_PORT", "8003")),  # the S3 stand-in (uploads from phones)
}


# The stand-in Official Account's template (infra/wecom_standin.py): field → what fills it.
DEV_TEMPLATE_FIELDS = {"thing1": "title", "thing2": "kind", "time3": "time", "thing4": "body"}
VARIABLES = {
    "ddb": "DDB_PORT",
    "api": "API_PORT",
    "web": "WEB_PORT",
    "wecom": "WECOM_PORT",
    "s3": "S3_PORT",
}


def busy_ports(ports: dict[str, int] = PORTS) -> list[str]:
    """A message for each port something else listens on already, naming the variable to set."""
    out = []
    for name, port in ports.items():
        with socket.socket() as s:
            # As the servers do: a port left in TIME_WAIT by the last run is free to use.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                other = port + 100
                out.append(
                    f"端口 {port} 已被占用（{VARIABLES[name]}）：请关闭占用它的程序，"
                    f"或换一个端口，例如 {VARIABLES[name]}={other} make dev"
                )
    return out


def s3_standin_bucket() -> str:
    from infra import s3_standin

    return s3_standin.BUCKET


def s3_standin_media_bucket() -> str:
    from infra import s3_standin

    return s3_standin.MEDIA_BUCKET


def dev_environment(ddb_port: int | None = None) -> dict[str, str]:
    """The local stack's environment; the JWT key is made once per machine and kept in var/."""
    VAR.mkdir(exist_ok=True)
    if not SECRETS.exists():
        SECRETS.write_text(json.dumps({"jwt_keys": {"dev-1": secrets.token_urlsafe(48)}}))
        SECRETS.chmod(0o600)
    keys = json.loads(SECRETS.read_text())["jwt_keys"]
    # WeCom is the local stand-in (infra/wecom_standin.py); its corp id and secret are its own.
    wecom = {
        "WECOM_API_BASE": f"http://127.0.0.1:{PORTS['wecom']}",
        "WECOM_CORP_ID": "wwlocal",
        "WECOM_AGENT_ID": "1000002",  # the stand-in's application (sign-in, outbox delivery)
        "WECOM_SECRET": "local-secret",
        "SITE_ORIGINS": f"http://127.0.0.1:{PORTS['web']},http://localhost:{PORTS['web']}",
        # Sign-in through WeCom and the Official Account: the stand-in plays both (its authorize
        # page asks which userid signs in).
        "OAUTH_AUTHORIZE_BASE": f"http://127.0.0.1:{PORTS['wecom']}",
        "WECHAT_MP_APP_ID": "wxlocalmp",
        "WECHAT_MP_SECRET": "local-mp-secret",
        "WECHAT_MP_API_BASE": f"http://127.0.0.1:{PORTS['wecom']}",
        # Its template messages: the stand-in's one template, for every kind of message.
        "WECHAT_MP_TEMPLATES": json.dumps(
            {"*": {"template_id": "standin-notice-template", "data": DEV_TEMPLATE_FIELDS}}
        ),
        # Files from phones go to the S3 stand-in (infra/s3_standin.py), as to S3 in AWS.
        "S3_ENDPOINT": f"http://127.0.0.1:{PORTS['s3']}",
        "UPLOADS_BUCKET": s3_standin_bucket(),
        # 微党课 video and audio: the stand-in's media bucket, served at /media/* by the dev server.
        "MEDIA_BUCKET": s3_standin_media_bucket(),
    }
    return api_environment(ddb_port or PORTS["ddb"], json.dumps(keys), **wecom)


def running_environment() -> dict[str, str]:
    """The environment of the `make dev` running now, from the ports it wrote down; exits with a
    message in Chinese when none runs (rather than a connection error from deep in botocore)."""
    try:
        ports = json.loads(RUNNING.read_text())
    except (OSError, ValueError):
        ports = None
    ddb = int(ports["ddb"]) if ports else PORTS["ddb"]
    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", ddb)) != 0:
            sys.exit(
                f"本地环境没有运行（DynamoDB Local 端口 {ddb} 无响应）：请先在另一个终端运行 "
                "make dev，再执行此命令。"
            )
    return dev_environment(ddb)


# One ranking run at a time (reserved concurrency 1 in AWS): the scheduled job here and the demo
# history's runs at the close of each month it generated.
RANKING = threading.Lock()


def start_jobs(
    stop: threading.Event, ranking_every: float = 60.0, delivery_every: float = 5.0
) -> None:
    """What AWS runs beside the API: the stream functions (fed from DynamoDB Local's streams by
    infra/stream_poller.py), the scheduled ranking job (every minute here, 10 in AWS) and the
    reminder runner (every minute here, hourly in AWS), the monthly check of organisation life
    (every five minutes here, nightly in AWS) and the outbox's delivery worker (every
    few seconds here, so that a message posted in the demo reaches the WeCom stand-in at once;
    every minute in AWS)."""
    from chalicelib import ranking
    from infra import stream_poller

    def rank() -> None:
        while not stop.is_set():
            try:
                with RANKING:
                    ranking.compute_boards()
            except Exception as exc:  # a failed run is retried, as in AWS
                print(f"   ranking job failed: {exc}", file=sys.stderr)
            stop.wait(ranking_every)

    def remind() -> None:
        # The hourly reminder run (reminders.toml), each minute here: a finished day's run
        # costs one read, so the demo's reminders go out as soon as they are due.
        from chalicelib import reminders

        while not stop.is_set():
            try:
                reminders.run_due()
            except Exception as exc:  # retried next minute, as the next hour's run in AWS
                print(f"   reminder job failed: {exc}", file=sys.stderr)
            stop.wait(ranking_every)

    def check_meetings() -> None:
        # The monthly check (nightly in AWS), every five minutes here: the superiors' month
        # table follows the demo's meetings; a run with nothing changed writes nothing.
        from chalicelib import meeting_checks

        while not stop.is_set():
            try:
                meeting_checks.run()
            except Exception as exc:  # retried, as the next night's run in AWS
                print(f"   monthly check failed: {exc}", file=sys.stderr)
            stop.wait(ranking_every * 5)

    threading.Thread(target=stream_poller.run, args=(stop,), daemon=True).start()
    threading.Thread(target=rank, daemon=True).start()
    threading.Thread(target=remind, daemon=True).start()
    threading.Thread(target=check_meetings, daemon=True).start()

    def assess() -> None:
        # 考核评价 (nightly in AWS), every five minutes here: the scores follow the demo's
        # activity, which finishes in the background; a run with nothing changed writes nothing.
        from chalicelib import assessment_job

        while not stop.wait(ranking_every * 5):
            try:
                assessment_job.run()
            except Exception as exc:  # retried, as the next night's run in AWS
                print(f"   assessment job failed: {exc}", file=sys.stderr)

    threading.Thread(target=assess, daemon=True).start()
    threading.Thread(target=deliver_loop, args=(stop, delivery_every), daemon=True).start()
    threading.Thread(target=console_loop, args=(stop, ranking_every), daemon=True).start()
    threading.Thread(target=repath_loop, args=(stop, ranking_every), daemon=True).start()


def repath_loop(stop: threading.Event, every: float) -> None:
    """Records' copies of unit paths (unit_paths.py; every 10 minutes in AWS), each minute here:
    a unit moved in the console is followed by its records within a minute; a run with the unit
    tree unchanged reads two small items."""
    from chalicelib import unit_paths

    while not stop.is_set():
        try:
            unit_paths.run()
        except Exception as exc:  # retried, as the next run in AWS
            print(f"   unit path job failed: {exc}", file=sys.stderr)
        stop.wait(every)


def console_loop(stop: threading.Event, every: float) -> None:
    """The 党务工作台's precompute job (hourly in AWS): at once — the demo data is written by
    then — and every `every` seconds here, so the dashboards follow the demo history as it is
    generated in the background; a run with nothing changed writes two small items."""
    from chalicelib import console_job

    while not stop.is_set():
        try:
            console_job.run()
        except Exception as exc:  # the next run retries, as in AWS
            print(f"   console figures job failed: {exc}", file=sys.stderr)
        stop.wait(every)


def deliver_loop(stop: threading.Event, every: float) -> None:
    """The outbox's delivery worker until `stop`: one run every `every` seconds."""
    from chalicelib import delivery

    while not stop.is_set():
        try:
            delivery.run()
        except Exception as exc:  # the next run retries, as in AWS
            print(f"   delivery job failed: {exc}", file=sys.stderr)
        stop.wait(every)


def demo_history() -> None:
    """The last 60 days of demo activity (tools/demo_activity.py), through the API in this
    process: the demo accounts now, so their history is there before anyone signs in (a sign-in
    of today applied before her older days would make the aggregator take those for replays),
    the other members in the background (a minute or two the first time; a later start adds only
    the days since)."""
    from tools import demo_activity, demo_registry

    started = time.monotonic()
    work = demo_activity.prepare()
    if work is None:
        print("   最近 60 天的示范活动已生成")
        return
    accounts = [a.member_no for a in demo_registry.DEMO_ACCOUNTS]
    demo_activity.generate(work, accounts)
    print(
        f"   {work.todo[0]} 至 {work.todo[-1]}：演示账号已生成"
        f"（{time.monotonic() - started:.0f} 秒），其他党员在后台生成，完成后更新排行榜"
    )

    def rest() -> None:
        try:
            demo_activity.generate(work)
            with RANKING:
                counts = demo_activity.finish(work)
            print(f"\n== 示范活动生成完毕：{counts.line()}\n", flush=True)
        except Exception as exc:  # the stack keeps running; the next start resumes it
            print(f"   示范活动生成失败（下次启动时继续）：{exc}", file=sys.stderr)

    threading.Thread(target=rest, daemon=True).start()


def upload_demo_media() -> None:
    """The demo lessons' files into the stand-in's media bucket (in memory: put back each run),
    through the tool editors use, as the demo committee member."""
    from tools import demo_registry, upload_media

    folder = ROOT / "tools" / "demo_media"
    for path in sorted(p for p in folder.iterdir() if p.suffix in {".mp4", ".m4a"}):
        try:
            answer = upload_media.upload(path, demo_registry.DEMO_COMMITTEE.member_no)
        except upload_media.UploadFailedError as exc:  # that demo lesson will not play
            print(f"   {exc}", file=sys.stderr)
            continue
        print(f"   {path.name} → /media/{answer['media']}（{answer['lines'][-1]}）")


def main() -> None:
    busy = busy_ports()
    if busy:
        sys.exit("\n".join(busy))
    env = dev_environment()
    os.environ.update(env)  # before chalicelib.models is imported (PynamoDB reads it then)
    stack = LocalStack(
        ddb_port=PORTS["ddb"],
        api_port=PORTS["api"],
        web_port=PORTS["web"],
        site=ROOT / "output",
        env=env,
        data_dir=VAR / "dynamodb",
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        print("== DynamoDB Local (data in var/dynamodb/)")
        stack.start_database()
        RUNNING.write_text(json.dumps(PORTS))
        # Before the demo data: 支部家园's demo posts carry photos (in memory: put back each run).
        print(f"== S3 stand-in (infra/s3_standin.py: moto's server) on port {PORTS['s3']}")
        from infra import s3_standin

        s3_standin.serve(
            PORTS["s3"],
            env["SITE_ORIGINS"].split(","),
            bucket=env["UPLOADS_BUCKET"],
            media_bucket=env["MEDIA_BUCKET"],
        )
        from tools import seed_demo, tables

        tables.create_all()
        print("== Demo registry and accounts")
        accounts = seed_demo.seed()
        from tools import reminders as reminder_tool

        reminder_tool.reindex_members()  # tables kept from before the reminders' index
        print("== 微党课 demo media (tools/demo_media/) through the upload tool (upload_media.py)")
        upload_demo_media()
        print("== Content review (demo articles approved; new or edited ones stay pending)")
        from tools import demo_registry, review

        approved, pending = review.seed_demo_approvals(demo_registry.DEMO_COMMITTEE.member_no)
        print(f"   示范内容审核通过 {approved} 篇，待审核 {pending} 篇（在「待审核」页面审核）")
        print("== Site (pelican; only approved versions are published)")
        from infra import dev_rebuild

        approved_now = dev_rebuild.published()  # before the build: an approval after it counts
        subprocess.run(
            [sys.executable, "-m", "pelican", "content", "-q", "-d", "-o", str(stack.site)],
            cwd=ROOT,
            check=True,
        )
        from tools import publish_catalog

        counts = publish_catalog.publish(stack.site / publish_catalog.FILENAME)
        print(f"   catalog: {counts['published']} readable items")
        from tools import publish_quizzes

        written = publish_quizzes.publish()
        print(f"   quizzes: {written['quizzes_written']} written, {written['unlisted']} unlisted")
        print("== Demo meetings: three months of 三会一课, and what is coming (demo_meetings.py)")
        from tools import demo_meetings

        made, rows = demo_meetings.seed()
        print(f"   示范会议：新写入 {made} 次会议、{rows} 条出勤记录（已有的不变）")
        print("== Demo dues assessments: every member's 党费核定 and its history")
        from tools import demo_dues_assessment

        assessed = demo_dues_assessment.seed()
        print(f"   示范党费核定：新写入 {assessed} 条（已有的不变）")
        print("== Demo dues: three months of payments (demo_dues.py)")
        from tools import demo_dues

        # After the assessments (核定) and before the transfers: each month is opened at the
        # branch she was in, and a member transferred out keeps her dues history.
        dues_members, dues_payments = demo_dues.seed()
        print(f"   示范党费：{dues_members} 名党员新记录 {dues_payments} 笔交费（已有的不变）")
        print("== Demo 党员发展: people at every stage, one overdue (demo_recruitment.py)")
        from tools import demo_recruitment

        print(f"   示范党员发展：新写入 {demo_recruitment.seed()} 人（已有的不变）")
        print("== Demo transfers: 组织关系转接 done, open and a letter out (demo_transfers.py)")
        from tools import demo_transfers

        started, restored = demo_transfers.seed()
        print(f"   示范组织关系转接：新办理 {started} 件，恢复转接后的所在支部 {restored} 人")
        print("== Demo 志愿服务: held, confirmed and coming activities (demo_volunteering.py)")
        from tools import demo_volunteering

        vol_made, vol_signed = demo_volunteering.seed()
        print(f"   示范志愿服务：新发布 {vol_made} 项活动、{vol_signed} 人次报名（已有的不变）")
        print("== Demo surveys: 问卷 open, closed and a draft (demo_surveys.py)")
        from tools import demo_surveys

        surveys_made, survey_answers = demo_surveys.seed()
        print(f"   示范问卷：新建 {surveys_made} 份，新提交 {survey_answers} 份回答（已有的不变）")
        print("== Demo 支部家园: posts approved, waiting and returned (demo_branch_posts.py)")
        from tools import demo_branch_posts

        print(f"   示范支部家园：新发布 {demo_branch_posts.seed()} 条动态（已有的不变）")
        print("== Demo 诉求: answered, rated, transferred, overdue (demo_service_requests.py)")
        from tools import demo_service_requests

        print(f"   示范诉求：新办理 {demo_service_requests.seed()} 件（已有的不变）")
        from tools import demo_birthday

        print(f"== 政治生日 (tools/demo_birthday.py): {demo_birthday.birthday_today()}")
        print("== Demo activity: the last 60 days through the API (tools/demo_activity.py)")
        demo_history()
        print("== Demo 红能量: catalogue, redemptions, donations, orders (demo_red_energy.py)")
        from tools import demo_red_energy

        # After the activity: members spend points they earned there.
        re_added, re_spends = demo_red_energy.seed()
        print(f"   示范红能量：新增物品和项目 {re_added} 个，兑换和捐赠 {re_spends} 笔")
        print("== Demo 季度检查: last quarter's 通报 published, this quarter's in progress")
        from tools import demo_inspections

        print(f"   示范季度检查：新写入 {demo_inspections.seed()} 次（已有的不变）")
        print("== Demo 考核评价: scores of the last months, 民主评议 grades (demo_assessment.py)")
        from tools import demo_assessment

        as_months, as_grades = demo_assessment.seed()
        print(f"   示范考核评价：计算 {as_months} 个月的得分，新录入 {as_grades} 条民主评议等次")
        print(f"== WeCom stand-in (infra/wecom_standin.py) on port {PORTS['wecom']}")
        from infra import wecom_standin

        wecom_standin.serve(
            PORTS["wecom"],
            env["WECOM_CORP_ID"],
            env["WECOM_SECRET"],
            agent_id=env["WECOM_AGENT_ID"],
            mp_app_id=env["WECHAT_MP_APP_ID"],
            mp_secret=env["WECHAT_MP_SECRET"],
        )
        print("== API (chalice local) and the site on one origin")
        stack.start_api()
        stack.start_web()
        print(
            "== Stream functions (the points aggregator), the ranking job and the outbox's "
            "delivery to the WeCom stand-in, as in AWS"
        )
        start_jobs(stop)
        dev_rebuild.start(stop, stack.site, approved_now)  # an approval rebuilds the site
        print(f"\n  站点 (site)  {stack.url}/")
        print(
            f"  API          {stack.url}/api/me   (chalice local: http://127.0.0.1:{PORTS['api']})"
        )
        print(f"  DynamoDB     http://127.0.0.1:{PORTS['ddb']}")
        print(f"  S3 (uploads) http://127.0.0.1:{PORTS['s3']}/{env['UPLOADS_BUCKET']}")
        print(f"  微党课媒体    {stack.url}/media/（S3 替身的 {env['MEDIA_BUCKET']}）")
        print(
            f"  企业微信登录  {stack.url}/api/auth/wecom/start?next=/me.html"
            "（本地替身会询问以哪个 userid 登录；首次需核对身份）\n"
        )
        print("  演示账号 (demo logins):")
        for role, no, secret in accounts:
            # A demo password, or for the account left to activate, how to activate it.
            shown = secret if secret.startswith(("(", "（")) else f"密码 {secret}"
            print(f"    {role:<8} 党员编号 {no}  {shown}")
        print("\n  Ctrl-C 停止\n", flush=True)
        signal.signal(signal.SIGINT, lambda *_: stop.set())  # also when started in the background
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        RUNNING.unlink(missing_ok=True)
        stack.stop()


if __name__ == "__main__":
    main()
