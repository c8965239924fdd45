"""observe.py's pieces: what redaction takes out of any log line, and the EMF document's shape."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from chalicelib import metric_names, observe

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3NjAwMDAwMSJ9.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        (f"token {JWT} refused", JWT),
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        ("userid '13812345678' unknown", "13812345678"),
        ("call +86 13812345678 or 86-13912345678", "3812345678"),
        ("{'password': 'dangjian2026'}", "dangjian2026"),
        ('{"new_password": "s3cret pass"}', "s3cret"),
        ("url?access_token=AbC123&x=1", "AbC123"),
        ("Cookie: dj_rt=opaque-refresh-token", "opaque-refresh-token"),
        ("oauth code=081Xyz redirect", "081Xyz"),
        ("call 138 1234 5678 now", "1234 5678"),
        ("call 138-1234-5678 now", "1234-5678"),
        ("tel +86 139-1234-5678", "1234-5678"),
        ("user-13812345678-x", "13812345678"),
        ("body activation_code=AB12CD&member=76000001", "AB12CD"),
        ('{"sms_code": "482913"}', "482913"),
        ("callback?code=x&state=Zq81xKp", "Zq81xKp"),
        ("Authorization: Basic ZGFuZ2ppYW46c2VjcmV0MjAyNg==", "ZGFuZ2ppYW46c2VjcmV0MjAyNg"),
        ('payload "{\\"password\\": \\"hunter2 x\\", \\"a\\": 1}"', "hunter2"),
        ("config client_secret_value=Xy9", "Xy9"),
        ("aws api_key: AKIAxyz", "AKIAxyz"),
    ],
)
def test_redaction_takes_out_secrets_and_phone_numbers(text: str, gone: str) -> None:
    assert gone not in observe.redact(text)


@pytest.mark.parametrize(
    "text",
    [
        'member 76000001 errcode: 40014 at 1796208026370 {"sent": 3, "tokens": 2}',
        "members 76000001 76000002 7600 0001, latency_ms 138.5, took 1381 ms",
        "at 2026-12-02 13:12:45.123 timestamp 1796208026370 id 13812345678901",
        '{"error_code": "ConditionalCheckFailed", "status_code": 400}',
        "basic information about the branch; Basic setup done",
    ],
)
def test_redaction_leaves_ordinary_figures_alone(text: str) -> None:
    assert observe.redact(text) == text


def test_a_record_is_one_json_line_redacted_exception_included() -> None:
    formatter = observe.JsonFormatter()
    try:
        raise ValueError("phone 13812345678")
    except ValueError:
        record = logging.LogRecord(
            "chalicelib.x", logging.ERROR, __file__, 1, "login %s", (JWT,), sys.exc_info()
        )
    line = formatter.format(record)
    assert "\n" not in line and JWT not in line and "13812345678" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "ERROR" and parsed["logger"] == "chalicelib.x"
    assert {"time", "message", "request_id", "exception"} <= set(parsed)


def test_an_emf_document_declares_each_metric_with_its_unit() -> None:
    doc = observe.emf({metric_names.LATENCY: 12.5, metric_names.REQUESTS: 1})
    [block] = doc["_aws"]["CloudWatchMetrics"]
    assert block["Namespace"] == metric_names.NAMESPACE
    assert block["Dimensions"] == [[metric_names.DIMENSION]]
    assert block["Metrics"] == [
        {"Name": "Latency", "Unit": "Milliseconds"},
        {"Name": "Requests", "Unit": "Count"},
    ]
    assert doc[metric_names.DIMENSION] and doc["Latency"] == 12.5


def test_only_the_names_of_metric_names_can_be_emitted() -> None:
    with pytest.raises(ValueError):
        observe.count("Requets")
    with pytest.raises(ValueError):
        observe.emf({"Unknown": 1})
