"""微党课 media into storage over HTTP (chalice local, DynamoDB Local, the S3 stand-in): the
pre-signed PUT and the check that keeps `media/<sha256>.<ext>`; refusals up front and after the
upload (type, size, not a real MP4 under an .mp4 name, a checksum the stand-in let through);
idempotent re-uploads and parallel uploads of one file ending in one object; a failure between
the copy and the delete completed by the retry; the upload tool end to end; and `/media/*`
through the dev server with Range requests, as a phone's player seeks."""

from __future__ import annotations

import hashlib
import http.client
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from chalicelib import lesson_rules, media_uploads
from chalicelib.settings import get_settings
from tests import media_samples
from tools import upload_media
from tools.fixtures import bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables", "s3")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    names = ("ok.mp4", "silent.mp4", "no-faststart.mp4", "audio.m4a")
    return media_samples.make(tmp_path_factory.mktemp("media"), names)


@pytest.fixture
def org(stack):
    media_uploads.reset_for_tests()
    make_tree()  # C1 → G1 → B1, B2; C1 → B3
    return {
        "editor": make_member("81000002", "B1", name="一支委员", roles=("branch_committee",)),
        "committee": make_member("81000005", "B3", name="党委委员", roles=("party_committee",)),
        "member": make_member("81000003", "B1", name="王芳"),
    }


# The demo lessons' files (conftest's session fixture `demo_media`) stay for other modules' tests.
DEMO_SUMS = (
    Path(__file__).resolve().parents[2] / "tools" / "demo_media" / "SHA256SUMS"
).read_text()
DEMO_HASHES = {line.split()[0] for line in DEMO_SUMS.splitlines()}


def bucket_keys() -> list[str]:
    """The media bucket's keys, but the demo lessons' files."""
    listed = media_uploads.s3().list_objects_v2(Bucket=get_settings().media_bucket)
    keys = (o["Key"] for o in listed.get("Contents", []))
    return sorted(k for k in keys if k.rsplit("/", 1)[-1].split(".")[0] not in DEMO_HASHES)


@pytest.fixture(autouse=True)
def empty_bucket(s3):
    media_uploads.reset_for_tests()
    for key in bucket_keys():
        media_uploads.s3().delete_object(Bucket=get_settings().media_bucket, Key=key)


def call(stack, path: str, member, body: dict) -> requests.Response:
    return requests.post(f"{stack.url}/api{path}", json=body, headers=bearer(member), timeout=60)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ask(stack, who, data: bytes, kind: str = "video", name: str = "第一讲.mp4"):
    body = {"name": name, "size": len(data), "sha256": sha(data), "kind": kind}
    return call(stack, "/media/uploads", who, body)


def put(ticket: dict, data: bytes) -> requests.Response:
    return requests.put(ticket["url"], data=data, headers=ticket["headers"], timeout=60)


def check(stack, who, data: bytes, kind: str = "video") -> requests.Response:
    return call(stack, "/media/uploads/check", who, {"sha256": sha(data), "kind": kind})


def test_an_editor_uploads_a_video_once_and_gets_the_lines_to_paste(stack, org, files) -> None:
    data = files["ok.mp4"].read_bytes()
    ticket = ask(stack, org["editor"], data).json()
    assert ticket["exists"] is False and ticket["method"] == "PUT"
    assert ticket["key"] == f"incoming/media/{sha(data)}.mp4"
    assert put(ticket, data).status_code == 200
    kept = check(stack, org["editor"], data)
    assert kept.status_code == 201, kept.text
    answer = kept.json()
    name = f"{sha(data)}.mp4"
    assert answer["lines"] == [f"Media: {name}", "Duration: 0:02"]
    assert (answer["media"], answer["duration"], answer["width"], answer["height"]) == (
        name,
        2,
        160,
        90,
    )
    assert lesson_rules.MEDIA_NAME.fullmatch(answer["media"])
    assert bucket_keys() == [f"media/{name}"]  # the upload deleted
    meta = media_uploads.s3().head_object(Bucket=get_settings().media_bucket, Key=f"media/{name}")
    assert meta["ContentType"] == "video/mp4" and "immutable" in meta["CacheControl"]
    # Again (another editor, the same file): nothing to send; a retried check says the same.
    again = ask(stack, org["committee"], data).json()
    assert again["exists"] is True and again["lines"] == answer["lines"] and "headers" not in again
    retried = check(stack, org["editor"], data)
    assert retried.status_code == 200 and retried.json()["lines"] == answer["lines"]
    assert bucket_keys() == [f"media/{name}"]


def test_audio_is_kept_as_m4a(stack, org, files) -> None:
    data = files["audio.m4a"].read_bytes()
    ticket = ask(stack, org["editor"], data, "audio", "党课音频.m4a").json()
    assert put(ticket, data).status_code == 200
    answer = check(stack, org["editor"], data, "audio").json()
    assert answer["lines"] == [f"Media: {sha(data)}.m4a", "Duration: 0:02"]
    assert answer["kind"] == "audio" and "width" not in answer


def test_members_may_not_upload(stack, org, files) -> None:
    data = files["ok.mp4"].read_bytes()
    for path, body in (
        (
            "/media/uploads",
            {"name": "a.mp4", "size": len(data), "sha256": sha(data), "kind": "video"},
        ),
        ("/media/uploads/check", {"sha256": sha(data), "kind": "video"}),
    ):
        r = call(stack, path, org["member"], body)
        assert r.status_code == 403 and "支部委员" in r.json()["Message"]


REFUSED_UP_FRONT = [
    # change to a good declaration, status, words of the message
    ({"kind": "image"}, 400, "video"),
    ({"name": "第一讲.mov"}, 415, ".mp4"),
    ({"name": "第一讲.webm"}, 415, ".mp4"),
    ({"kind": "audio"}, 415, ".m4a"),  # an .mp4 name declared as audio
    ({"size": 800 * 1024 * 1024 + 1}, 413, "800 MB"),
    ({"size": 0}, 400, "空文件"),
    ({"sha256": "abc"}, 400, "SHA-256"),
    ({"sha256": "G" * 64}, 400, "SHA-256"),
    ({"name": ""}, 400, "文件名"),
]


def test_a_wrong_declaration_is_refused_up_front(stack, org) -> None:
    for change, status, words in REFUSED_UP_FRONT:
        body = {"name": "第一讲.mp4", "size": 1000, "sha256": "a" * 64, "kind": "video", **change}
        r = call(stack, "/media/uploads", org["editor"], body)
        assert (r.status_code, words in r.json()["Message"]) == (status, True), (change, r.text)
    assert bucket_keys() == []


def uploaded_then_checked(stack, who, data: bytes, sent: bytes, kind: str = "video"):
    """Ask for `data`'s name, PUT `sent` (the stand-in stores whatever it gets), check."""
    ticket = ask(stack, who, data, kind, "x." + lesson_rules.MEDIA_KINDS[kind].ext).json()
    assert put(ticket, sent).status_code == 200
    return check(stack, who, data, kind)


def test_what_arrived_is_checked_and_refused_files_are_deleted(stack, org, files) -> None:
    random_bytes = os.urandom(30_000)
    ok, silent = files["ok.mp4"].read_bytes(), files["silent.mp4"].read_bytes()
    cases = [
        # declared bytes, bytes sent, kind, status, words
        (random_bytes, random_bytes, "video", 415, "不是 MP4"),  # not a real MP4, .mp4 name
        (files["no-faststart.mp4"].read_bytes(),) * 2 + ("video", 415, "faststart"),
        (files["audio.m4a"].read_bytes(),) * 2 + ("video", 415, "文件是音频"),
        (ok, ok, "audio", 415, "文件是视频"),
        # moto stores bytes whose SHA-256 is not the signed one (S3 would refuse the PUT):
        (ok, silent, "video", 400, "SHA-256"),
    ]
    for declared, sent, kind, status, words in cases:
        r = uploaded_then_checked(stack, org["editor"], declared, sent, kind)
        assert (r.status_code, words in r.json()["Message"]) == (status, True), r.text
        assert bucket_keys() == [], words  # refused: the upload deleted, nothing kept


def test_the_stand_in_stores_bytes_that_do_not_match_the_signed_checksum(stack, org, files):
    """Why the check hashes what arrived (README: 微党课 media → stand-ins)."""
    ok, silent = files["ok.mp4"].read_bytes(), files["silent.mp4"].read_bytes()
    ticket = ask(stack, org["editor"], ok).json()
    assert put(ticket, silent).status_code == 200  # S3 answers 400 BadDigest here
    stored = media_uploads.s3().get_object(Bucket=get_settings().media_bucket, Key=ticket["key"])
    assert stored["Body"].read() == silent


def test_a_check_with_nothing_uploaded_is_404(stack, org, files) -> None:
    r = check(stack, org["editor"], files["ok.mp4"].read_bytes())
    assert r.status_code == 404 and "重新上传" in r.json()["Message"]


def test_parallel_uploads_of_one_file_make_one_object(stack, org, files) -> None:
    data = files["ok.mp4"].read_bytes()

    def one(_: int) -> tuple[int, list[str]]:
        ticket = ask(stack, org["editor"], data).json()
        # moto answers 500 now and then to operations racing on one key (a file handle closed
        # under it; README: 微党课 media → stand-ins): sent again, as the page and the tool do.
        for _ in range(5):
            if ticket["exists"] or put(ticket, data).status_code == 200:
                break
        for _ in range(5):  # the API answers storage's 500 as 503 (Retry-After)
            r = check(stack, org["editor"], data)
            if r.status_code != 503:
                break
        return r.status_code, r.json().get("lines")

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(one, range(6)))
    assert {status for status, _ in answers} <= {200, 201}
    assert len({tuple(lines) for _, lines in answers}) == 1
    assert bucket_keys() == [f"media/{sha(data)}.mp4"]


def test_a_failure_between_keeping_and_deleting_is_completed_by_the_retry(
    stack, org, files, fails_once
) -> None:
    data = files["ok.mp4"].read_bytes()
    ticket = media_uploads.request_upload(org["editor"], "a.mp4", len(data), sha(data), "video")
    assert put(ticket, data).status_code == 200
    calls = fails_once(media_uploads, "_discard", "the function died after the copy")
    with pytest.raises(RuntimeError):
        media_uploads.check(org["editor"], sha(data), "video")
    assert f"media/{sha(data)}.mp4" in bucket_keys()  # kept, the upload left behind
    answer = media_uploads.check(org["editor"], sha(data), "video")
    assert answer["exists"] is True and calls["n"] == 2
    assert bucket_keys() == [f"media/{sha(data)}.mp4"]


def test_the_upload_tool_end_to_end(stack, org, files, capsys, monkeypatch) -> None:
    path = files["ok.mp4"]
    assert upload_media.main([str(path), "--by", org["editor"].member_no]) == 0
    printed = capsys.readouterr().out
    assert f"Media: {sha(path.read_bytes())}.mp4" in printed and "Duration: 0:02" in printed
    assert "已上传并通过检查" in printed
    assert upload_media.main([str(path), "--by", org["editor"].member_no]) == 0
    assert "已存在" in capsys.readouterr().out
    # Refused before any network: no upload is even asked for.
    monkeypatch.setattr(media_uploads, "request_upload", lambda *a: pytest.fail("asked"))
    assert upload_media.main([str(files["no-faststart.mp4"]), "--by", "81000002"]) == 1
    assert "faststart" in capsys.readouterr().err
    assert upload_media.main([str(path.with_name("missing.mp4")), "--by", "81000002"]) == 1


def test_a_member_cannot_upload_with_the_tool(stack, org, files, capsys) -> None:
    assert upload_media.main([str(files["audio.m4a"]), "--by", org["member"].member_no]) == 1
    assert "支部委员" in capsys.readouterr().err
    assert bucket_keys() == []


def test_media_is_served_with_ranges_through_the_site(stack, org, files) -> None:
    data = files["ok.mp4"].read_bytes()
    answer = media_uploads.request_upload(org["editor"], "a.mp4", len(data), sha(data), "video")
    put(answer, data)
    url = stack.url + media_uploads.check(org["editor"], sha(data), "video")["url"]
    whole = requests.get(url, timeout=30)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["Content-Type"] == "video/mp4"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert "max-age=31536000" in whole.headers["Cache-Control"]
    for spec, start, end in (
        ("bytes=0-1", 0, 1),
        ("bytes=1000-4999", 1000, 4999),
        (f"bytes={len(data) - 100}-", len(data) - 100, len(data) - 1),
        ("bytes=-100", len(data) - 100, len(data) - 1),
    ):
        part = requests.get(url, headers={"Range": spec}, timeout=30)
        assert part.status_code == 206, spec
        assert part.headers["Content-Range"] == f"bytes {start}-{end}/{len(data)}", spec
        assert part.content == data[start : end + 1], spec
    head = requests.head(url, timeout=30)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(data)
    assert (
        requests.get(url, headers={"Range": f"bytes={len(data) + 10}-"}, timeout=30).status_code
        == 416
    )
    for missing in ("/media/" + "0" * 64 + ".mp4", "/media/x.mp4", "/media/..%2Findex.html"):
        assert requests.get(stack.url + missing, timeout=30).status_code == 404, missing
    # A dot segment sent as is (requests would resolve it to /index.html before sending).
    conn = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=30)
    conn.request("GET", "/media/../" + "0" * 64 + ".mp4")
    assert conn.getresponse().status == 404
    conn.close()
    assert requests.post(url, timeout=30).status_code == 405


def test_the_demo_media_fixture_serves_the_demo_files(stack, demo_media) -> None:
    """For the playback tests of the other areas: the demo lessons' files, by hash, on the site."""
    for line in DEMO_SUMS.splitlines():
        digest, name = line.split()
        assert demo_media[name] == f"/media/{digest}.{name.rsplit('.', 1)[1]}"
        part = requests.get(
            stack.url + demo_media[name], headers={"Range": "bytes=0-7"}, timeout=30
        )
        assert part.status_code == 206 and part.content[4:8] == b"ftyp"


def test_make_dev_uploads_the_demo_lessons_files_through_the_tool(stack, org, capsys) -> None:
    from infra import dev
    from tools import demo_registry

    make_member(demo_registry.DEMO_COMMITTEE.member_no, "B3", roles=("party_committee",))
    dev.upload_demo_media()
    printed = capsys.readouterr()
    assert printed.err == ""
    for line in DEMO_SUMS.splitlines():
        digest, name = line.split()
        assert f"{name} → /media/{digest}." in printed.out, name
    assert "Duration: 0:30" in printed.out and "Duration: 0:40" in printed.out
