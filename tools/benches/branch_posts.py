"""支部家园: read and write units of the actions through the real routes — a post made (one
conditional put; its photos are storage calls, no units), a retried post, the secretary's
decision (one conditional update), a branch page of 20 posts and the committee's feed of 20
(one Query each), her own posts, and the reviewer's queue."""

from __future__ import annotations

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes

LISTED = 20  # the rows below name it


def run(stack: LocalStack) -> list[Row]:
    from tools.fixtures import make_member, make_tree, rid

    make_tree()
    sec = make_member("54000001", "B1", name="一支书记", roles=("branch_secretary",))
    author = make_member("54000002", "B1", name="王芳")
    reader = make_member("54000003", "B2", name="赵敏")
    routes = Routes()
    rows: list[Row] = []
    text = "今天支部组织党员到社区开展义务清扫活动，共二十人参加。" * 3
    body = {"text": text, "request_key": rid()}
    reply, got = routes.measure("post made (waiting for review)", "POST", "/branch-posts",
                                member=author, body=body)  # fmt: skip
    rows += got
    _, got = routes.measure("post made again (a retry)", "POST", "/branch-posts",
                            member=author, body=body)  # fmt: skip
    rows += got
    _, got = routes.measure("review queue (1 waiting)", "GET", "/branch-post-queue", member=sec)
    rows += got
    post = reply.json_body
    decision = {"decision": "approve", "hash": post["latest"]["hash"]}
    _, got = routes.measure("post approved", "POST", f"/branch-posts/{post['id']}/decision",
                            member=sec, body=decision)  # fmt: skip
    rows += got
    for _ in range(LISTED):
        made = routes.send("POST", "/branch-posts", member=author,
                           body={"text": text, "request_key": rid()}).json_body  # fmt: skip
        routes.send("POST", f"/branch-posts/{made['id']}/decision", member=sec,
                    body={"decision": "approve", "hash": made["latest"]["hash"]})  # fmt: skip
    _, got = routes.measure("branch page (20 posts)", "GET", "/branch-posts?unit=B1",
                            member=reader)  # fmt: skip
    rows += got
    _, got = routes.measure("committee feed (20 posts)", "GET", "/branch-feed",
                            member=reader)  # fmt: skip
    rows += got
    _, got = routes.measure("her own posts (20)", "GET", "/me/branch-posts", member=author)
    return rows + got
