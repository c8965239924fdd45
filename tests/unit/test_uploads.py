"""Files from phones (chalicelib/uploads.py) against the S3 stand-in over HTTP: a real POST to the
pre-signed form with `requests`, then the check after upload. The stand-in (moto) stores what
the POST policy forbids — an oversize file, another type — so these tests also show that our
check refuses what storage let through, and deletes it."""

from __future__ import annotations

import io
import zipfile

import pytest
import requests

from chalicelib import uploads
from chalicelib.errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from chalicelib.settings import get_settings

PREFIX = "meetings/mt_testtest01"
PHOTO = uploads.KINDS["photo"]
ATTACHMENT = uploads.KINDS["attachment"]
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 2000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500


def office(kind: str) -> bytes:
    """A minimal DOCX or XLSX: a ZIP whose directory names the part that says which it is."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def storage(s3: str) -> None:
    uploads.reset_for_tests()


def post(form: dict, data: bytes, filename: str = "a.jpg") -> requests.Response:
    """What the page does: the form's fields, then the file, to the form's URL."""
    ctype = form["fields"]["Content-Type"]
    return requests.post(
        form["url"], data=form["fields"], files={"file": (filename, data, ctype)}, timeout=30
    )


def upload(kind: uploads.Kind, ctype: str, data: bytes, declared: int | None = None) -> str:
    form = uploads.presign(PREFIX, kind, ctype, declared or len(data))
    assert post(form, data).status_code in (200, 204)
    return form["key"]


def exists(key: str) -> bool:
    try:
        uploads.s3().head_object(Bucket=get_settings().uploads_bucket, Key=key)
        return True
    except Exception:
        return False


def test_a_photo_goes_straight_to_storage_and_is_checked_kept_and_shown() -> None:
    form = uploads.presign(PREFIX, PHOTO, "image/jpeg", len(JPEG))
    assert form["key"].startswith(f"incoming/{PREFIX}/") and form["key"].endswith(".jpg")
    assert form["fields"]["Content-Type"] == "image/jpeg" and "policy" in form["fields"]
    assert post(form, JPEG).status_code == 204
    checked = uploads.verify(form["key"], PREFIX, PHOTO)
    assert (checked.content_type, checked.size) == ("image/jpeg", len(JPEG))
    kept = uploads.keep(checked)
    # A fresh name in the area, nothing of the prefix's rest (a member number) or the upload's.
    area = PREFIX.split("/")[0]
    assert kept.startswith(f"{area}/") and kept.count("/") == 1 and kept.endswith(".jpg")
    assert kept.split("/")[-1] != form["key"].split("/")[-1]
    again = uploads.keep(checked)  # kept again: another name, the first left as it is
    assert again != kept and exists(kept) and exists(again)
    got = requests.get(uploads.signed_get(kept), timeout=10)
    assert got.status_code == 200 and got.content == JPEG


def test_keep_copies_exactly_the_bytes_checked() -> None:
    """The form can be posted again until it expires: bytes that arrive after the check are
    never kept under the checked upload's name (409), and a kept object is never rewritten."""
    form = uploads.presign(PREFIX, PHOTO, "image/jpeg", len(JPEG))
    assert post(form, JPEG).status_code == 204
    checked = uploads.verify(form["key"], PREFIX, PHOTO)
    kept = uploads.keep(checked)
    other = b"\xff\xd8\xff\xe0" + b"\x66" * 3000
    assert post(form, other).status_code == 204
    with pytest.raises(ConflictError):
        uploads.keep(checked)
    got = requests.get(uploads.signed_get(kept), timeout=10)
    assert got.content == JPEG
    now = uploads.keep(uploads.verify(form["key"], PREFIX, PHOTO))
    assert now != kept and requests.get(uploads.signed_get(now), timeout=10).content == other


@pytest.mark.parametrize(
    ("kind", "ctype", "size", "error", "text"),
    [
        (PHOTO, "image/jpeg", 10 * uploads.MB + 1, PayloadTooLargeError, "照片不能超过 10 MB"),
        (PHOTO, "image/gif", 100, UnsupportedMediaTypeError, "照片须为 JPG、PNG 或 WebP 格式"),
        (PHOTO, "application/pdf", 100, UnsupportedMediaTypeError, "照片须为"),
        (PHOTO, "image/png", 0, BadRequestError, "照片是空文件"),
        (ATTACHMENT, "application/msword", 100, UnsupportedMediaTypeError, "附件须为 PDF"),
        (ATTACHMENT, "application/pdf", 20 * uploads.MB + 1, PayloadTooLargeError, "20 MB"),
    ],
)
def test_declared_wrong_is_refused_before_any_form(kind, ctype, size, error, text) -> None:
    with pytest.raises(error) as refused:
        uploads.presign(PREFIX, kind, ctype, size)
    assert text in refused.value.message


def test_storage_stores_an_oversize_photo_the_check_refuses_and_deletes_it() -> None:
    """The stand-in ignores the policy's content-length-range (S3 would answer 400): our check
    after upload is what stops it."""
    big = JPEG + b"\x00" * (10 * uploads.MB)
    key = upload(PHOTO, "image/jpeg", big, declared=len(JPEG))
    assert exists(key)  # storage let it through
    with pytest.raises(PayloadTooLargeError) as refused:
        uploads.verify(key, PREFIX, PHOTO)
    assert "照片不能超过 10 MB" in refused.value.message
    assert not exists(key)


@pytest.mark.parametrize(
    ("ctype", "data"),
    [
        ("image/jpeg", b"<html><script>alert(1)</script></html>" * 10),  # not an image at all
        ("image/jpeg", b"MZ\x90\x00" + b"\x00" * 100),  # a program named .jpg
        ("image/jpeg", PNG),  # a real image, but not the type it was declared as
        ("image/png", b"GIF89a" + b"\x00" * 100),
        ("image/webp", b"RIFF\x00\x00\x00\x00WAVEfmt "),
    ],
)
def test_bytes_that_are_not_the_declared_image_are_refused_and_deleted(ctype, data) -> None:
    key = upload(PHOTO, ctype, data)
    with pytest.raises(UnsupportedMediaTypeError) as refused:
        uploads.verify(key, PREFIX, PHOTO)
    assert "文件内容不是 JPG、PNG 或 WebP 格式的照片" in refused.value.message
    assert not exists(key)


def test_each_photo_type_passes() -> None:
    webp = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
    for ctype, data in (("image/jpeg", JPEG), ("image/png", PNG), ("image/webp", webp)):
        assert uploads.verify(upload(PHOTO, ctype, data), PREFIX, PHOTO).content_type == ctype


def test_attachments_by_their_bytes_pdf_docx_xlsx_and_not_an_old_doc() -> None:
    pdf = b"%PDF-1.7\n" + b"0" * 100
    cases = {"application/pdf": pdf, uploads.DOCX: office("docx"), uploads.XLSX: office("xlsx")}
    for ctype, data in cases.items():
        assert uploads.verify(upload(ATTACHMENT, ctype, data), PREFIX, ATTACHMENT).size == len(data)
    # An XLSX declared as DOCX, and a ZIP that is neither.
    key = upload(ATTACHMENT, uploads.DOCX, office("xlsx"))
    with pytest.raises(UnsupportedMediaTypeError):
        uploads.verify(key, PREFIX, ATTACHMENT)
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("evil.exe", "MZ")
    with pytest.raises(UnsupportedMediaTypeError):
        uploads.verify(upload(ATTACHMENT, uploads.DOCX, plain.getvalue()), PREFIX, ATTACHMENT)
    # A photo is not an attachment.
    with pytest.raises(UnsupportedMediaTypeError):
        uploads.presign(PREFIX, ATTACHMENT, "image/jpeg", 100)


def test_a_key_outside_the_prefix_or_unknown_is_refused_and_left_alone() -> None:
    other = uploads.presign("meetings/mt_otherother", PHOTO, "image/jpeg", len(JPEG))
    assert post(other, JPEG).status_code == 204
    for bad in (
        other["key"],  # another meeting's upload
        other["key"].removeprefix("incoming/"),  # a kept file, not an upload
        f"incoming/{PREFIX}/../mt_otherother/x.jpg",
        f"incoming/{PREFIX}/{'a' * 32}.exe",
        "",
    ):
        with pytest.raises(BadRequestError):
            uploads.verify(bad, PREFIX, PHOTO)
    assert exists(other["key"])  # never deleted by someone else's check
    with pytest.raises(NotFoundError) as gone:
        uploads.verify(f"incoming/{PREFIX}/{'0' * 32}.jpg", PREFIX, PHOTO)
    assert gone.value.message == "文件不存在或已过期，请重新上传"


def test_sniff_reads_magic_numbers_only() -> None:
    assert uploads.sniff(JPEG[:16]) == "image/jpeg"
    assert uploads.sniff(PNG[:16]) == "image/png"
    assert uploads.sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8) is None  # .doc/.xls
    assert uploads.sniff(b"") is None
