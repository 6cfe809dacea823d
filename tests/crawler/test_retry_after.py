"""Parsing Retry-After; the waiting itself is tested end to end in tests/ecei/refresh/test_run_faults.py."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.retry_after import retry_after_seconds

NOW = dt.datetime(2026, 11, 27, 3, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (b"120", 120.0),
        ("0", 0.0),
        (b" 7 ", 7.0),
        (b"Fri, 27 Nov 2026 03:00:30 GMT", 30.0),
        (b"Fri, 27 Nov 2026 02:00:00 GMT", 0.0),  # a date in the past: retry now
        (b"Friday, 27-Nov-26 03:01:00 GMT", 60.0),  # the obsolete RFC 850 form
        (None, None),
        (b"", None),
        (b"-5", None),
        (b"1.5", None),
        (b"soon", None),
        (b"\xff\xfe", None),
    ],
)
def test_retry_after_seconds(header: bytes | str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, NOW) == seconds
