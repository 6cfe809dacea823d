"""Digests and delivery through Apprise to real receivers on loopback; secrets kept out of logs."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import pytest

from ecei.notify import channel_id, redact, render_digest, secrets_of, send
from tests.receivers import Mailbox, SlowWebhook, Webhook
from warehouse.alerts import Alert

TODAY = dt.date(2018, 7, 1)


def alert(name: str = "Arena <script>alert(1)</script>", kind: str = "expiring", **kw: object) -> Alert:
    values: dict[str, object] = {
        "alert_key": f"{kind}:x:{name}",
        "kind": kind,
        "cluster_id": "abc",
        "country": "Norway",
        "name": name,
        "portfolio": "Food & drink",
        "website": "http://www.arena.example/?a=1&b=2",
        "label_date": dt.date(2018, 7, 13),
        "previous_label_date": None,
        "threshold_days": 30,
        "days_left": 12,
        "renewal_closes_on": None,
        "detail": None,
    }
    values.update(kw)
    return Alert(**values)  # type: ignore[arg-type]


def test_digest_lists_the_facts_and_escapes_names() -> None:
    digest = render_digest([alert()], TODAY)
    assert "1 label alert " in digest.title and "2018-07-01" in digest.title
    body = digest.body_html
    assert "<script>" not in body
    assert "Arena &lt;script&gt;alert(1)&lt;/script&gt;" in body
    for fact in ("Norway", "Food &amp; drink", "2018-07-13", "12 days left", "within 30 days"):
        assert fact in body
    assert 'href="http://www.arena.example/?a=1&amp;b=2"' in body


def test_digest_of_lapsed_names_the_renewal_window() -> None:
    lapsed = alert("Arena Magica", "lapsed", days_left=-253, renewal_closes_on=dt.date(2018, 10, 21))
    body = render_digest([lapsed], TODAY).body_html
    assert "Labels lapsed (1)" in body
    assert "lapsed 253 days ago" in body and "renewal window closes 2018-10-21" in body


def test_channel_id_shows_the_scheme_only() -> None:
    url = "slack://TOKENA/TOKENB/TOKENC/#general"
    assert channel_id(url).startswith("slack:")
    assert "TOKEN" not in channel_id(url)
    assert channel_id(url) == channel_id(url) != channel_id(url + "x")


def test_redact_removes_every_part_of_the_url() -> None:
    url = "json://user:pa55word@hooks.example:8080/path/SECRET-TOKEN?key=qvalue123"
    text = f"failed {url}; host hooks.example; token SECRET-TOKEN; key qvalue123; user pa55word"
    clean = redact(text, secrets_of(url))
    for secret in ("pa55word", "SECRET-TOKEN", "qvalue123", "hooks.example", url):
        assert secret not in clean


def test_webhook_receives_the_digest(webhook: Webhook) -> None:
    digest = render_digest([alert()], TODAY)
    assert send(webhook.url(), digest.title, digest.body_html) is None
    assert len(webhook.posts) == 1
    post = webhook.posts[0]
    assert post["title"] == digest.title
    assert "Arena &lt;script&gt;" in post["message"] and "<script>" not in post["message"]
    assert webhook.paths == ["/hooks/ecei-SECRET-TOKEN-123"]


def test_mail_arrives_as_html_with_the_name_escaped(smtp: Mailbox) -> None:
    digest = render_digest([alert()], TODAY)
    assert send(smtp.url(), digest.title, digest.body_html) is None
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "team@example.org"
    assert "ecei-watch" in str(message["Subject"])
    html = smtp.html_of(message)
    assert "Arena &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_failure_is_reported_without_the_token(webhook: Webhook, caplog: pytest.LogCaptureFixture) -> None:
    webhook.fail = 1
    caplog.set_level(logging.DEBUG)
    error = send(webhook.url(), "t", "<p>b</p>")
    assert error is not None and "500" in error
    assert "SECRET-TOKEN" not in error
    assert caplog.records, "apprise logged nothing: the check below would prove nothing"
    assert "SECRET-TOKEN" not in caplog.text


def test_a_channel_past_its_deadline_is_not_delivered_and_holds_no_thread_open(
    slow_webhook: SlowWebhook, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    began = time.monotonic()
    error = send(slow_webhook.url(), "t", "<p>b</p>", timeout=2)
    assert time.monotonic() - began < 2 + 5
    assert error is not None and "did not answer within 2 s" in error and "SECRET-TOKEN" not in error
    assert len(slow_webhook.posts) == 1 and slow_webhook.answered == 0
    # the send left behind is a daemon thread: it cannot keep the process from ending
    waited_for = [t for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]
    assert waited_for == []
    assert "SECRET-TOKEN" not in caplog.text


def test_unusable_url_is_an_error_not_a_crash() -> None:
    error = send("nosuchscheme://SECRET-TOKEN-9", "t", "b")
    assert error is not None and "SECRET-TOKEN-9" not in error


def test_digest_of_a_rename_names_both_escaped() -> None:
    renamed = alert("New <b>name</b>", "renamed", detail="Old & <i>name</i>", threshold_days=None)
    body = render_digest([renamed, alert()], TODAY).body_html
    assert "now listed as New &lt;b&gt;name&lt;/b&gt; (was Old &amp; &lt;i&gt;name&lt;/i&gt;)" in body
    assert "<i>" not in body and body.index("Labels expiring") < body.index("Clusters renamed (1)")
