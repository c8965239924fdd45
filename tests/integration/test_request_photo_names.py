"""诉求 photos kept by uploads.py (over HTTP): the kept key — and so every photo link — carries
no member number (an anonymous request's photo must not name its submitter to the staff who see
it), and an upload, once kept, is gone: its still valid form makes a new object under a new name,
never a change of the photo the request shows."""

from __future__ import annotations

import pytest
import requests

from tests.integration.test_service_requests_api import (  # noqa: F401 - the fixture `org`
    JPEG,
    call,
    org,
    submit,
)

pytestmark = pytest.mark.usefixtures("clean_tables")

OTHER = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x66" * 3000


def test_an_anonymous_requests_photo_link_names_nobody_and_stays_what_was_sent(stack, org, s3):  # noqa: F811
    a = org["a"]
    form = call(stack, "POST", "/service-requests/photo-uploads", a,
                json={"content_type": "image/jpeg", "size": len(JPEG)}).json()  # fmt: skip

    def send(data: bytes) -> None:
        files = {"file": ("p.jpg", data, "image/jpeg")}
        assert requests.post(form["url"], data=form["fields"], files=files, timeout=30).ok

    send(JPEG)
    made = submit(stack, a, photos=[form["key"]], anonymous=True)
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    for who in (a, org["sec1"], org["g1"]):  # herself, the handler, the superior
        seen = call(stack, "GET", f"/service-requests/{rid}", who).json()
        assert a.member_no not in str(seen["photos"]), seen["photos"]
        assert requests.get(seen["photos"][0]["url"], timeout=10).content == JPEG
    # The form posted again: the request's photo does not change; a new request that names the
    # upload gets the new bytes under another name.
    send(OTHER)
    again = submit(stack, a, photos=[form["key"]])
    assert again.status_code == 201, again.text
    seen = call(stack, "GET", f"/service-requests/{rid}", org["sec1"]).json()
    assert requests.get(seen["photos"][0]["url"], timeout=10).content == JPEG
    other = again.json()["photos"][0]["url"]
    assert requests.get(other, timeout=10).content == OTHER
    assert other.split("?")[0] != seen["photos"][0]["url"].split("?")[0]
    # Kept, the upload is gone: naming it once more finds nothing.
    assert submit(stack, a, photos=[form["key"]]).status_code == 404
