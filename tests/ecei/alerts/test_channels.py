"""Digests and delivery through Apprise to real receivers on loopback; secrets kept out of logs."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import threading
import time

import pytest

from ecei.alerts.channels import channel_id, channel_name, redact, secrets_of, send, unusable
from ecei.alerts.digest import render_digest, trial_message
from tests.ecei.alerts.conftest import Reader
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
        "read_on": TODAY,  # as the ledger's query read it (tests/ecei/alerts/conftest.py reads through one)
    }
    values.update(kw)
    return Alert(**values)  # type: ignore[arg-type]


def test_digest_lists_the_facts_and_escapes_names() -> None:
    digest = render_digest([alert()], TODAY)
    assert digest.title == "ecei-watch: Arena <script>alert(1)</script> expires on 2018-07-13"  # a title is plain text
    body = digest.body_html
    assert "<script>" not in body
    assert "Arena &lt;script&gt;alert(1)&lt;/script&gt;" in body
    for fact in ("Norway", "Food &amp; drink", "2018-07-13", "12 days left", "within 30 days"):
        assert fact in body
    assert 'href="http://www.arena.example/?a=1&amp;b=2"' in body


def test_digest_of_lapsed_names_the_renewal_window(read: Reader) -> None:
    lapsed = alert(
        "Arena Magica",
        "lapsed",
        label_date=dt.date(2017, 10, 21),
        days_left=-1,  # raised the day after it lapsed; read 253 days later
        renewal_closes_on=dt.date(2018, 10, 21),
    )
    body = render_digest(read([lapsed], TODAY), TODAY).body_html
    assert "Labels lapsed (1)" in body
    assert "lapsed 253 days ago" in body and "renewal window closes 2018-10-21" in body


def test_channel_id_shows_the_scheme_only() -> None:
    url = "slack://TOKENA/TOKENB/TOKENC/#general"
    assert channel_id(url).startswith("slack:")
    assert "TOKEN" not in channel_id(url)
    assert channel_id(url) == channel_id(url) != channel_id(url + "x")


def test_redact_removes_every_part_of_the_url_but_the_server_it_names() -> None:
    url = "json://user:pa55word@hooks.example.org:8080/path/SECRET-TOKEN?key=qvalue123"
    text = f"failed {url}; token SECRET-TOKEN; key qvalue123; user pa55word; to hooks.example.org"
    clean = redact(text, secrets_of(url))
    for secret in ("pa55word", "SECRET-TOKEN", "qvalue123", url):
        assert secret not in clean
    assert clean.endswith("to hooks.example.org")  # a server's name is shown: channel_name shows it too


def test_redact_removes_a_token_where_a_host_would_be() -> None:
    url = "slack://TokenAAAA/TokenBBBB/TokenCCCC/#labels"
    clean = redact("sent to TokenAAAA via TokenBBBB", secrets_of(url))
    assert "Token" not in clean


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("json://hooks.example.org/ecei/SECRET-TOKEN", "json://hooks.example.org"),
        ("jsons://user:pa55word@Hooks.Example.org:8443/p?:k=SECRET", "jsons://hooks.example.org:8443"),
        ("mailtos://user:pa55word@smtp.example.org?to=team@example.org", "mailtos://smtp.example.org"),
        ("json://127.0.0.1:8080/hooks/SECRET-TOKEN", "json://127.0.0.1:8080"),
        ("json://[::1]:9/x", "json://[::1]:9"),
        ("mailto://localhost", "mailto://localhost"),
        ("https://hooks.example.org/SECRET-TOKEN", "https://hooks.example.org"),
    ],
)
def test_channel_name_is_the_scheme_and_the_server(url: str, name: str) -> None:
    assert channel_name(url) == name


@pytest.mark.parametrize(
    "url",
    [
        "slack://TokenA/TokenB/TokenC/#labels",  # Apprise reads a token where a host would be
        "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV",
        "ntfy://my-secret-topic",
        "tgram://123456789:abcdefg_hijklmnop/12315544",
        "json://not a url/x",
        "garbage",
    ],
)
def test_channel_name_never_shows_a_token(url: str) -> None:
    name = channel_name(url)
    scheme = url.split("://")[0] if "://" in url else "?"
    assert name.startswith(f"{scheme}://~") and len(name) == len(scheme) + 4 + 6
    for part in url.replace("://", "/").split("/")[1:]:
        assert part[:4] not in name.removeprefix(f"{scheme}://"), part
    assert channel_name(url) == name != channel_name(url + "x")  # stable, and two channels stay two


def test_channel_name_needs_no_apprise() -> None:
    # `ecei status` names channels: that must not cost Apprise's import
    code = "import sys; from ecei.alerts.channels import channel_name; channel_name('json://h.example.org'); "
    code += "sys.exit('apprise' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


@pytest.mark.parametrize(
    "url",
    [
        "json://hooks.example.org/ecei",
        "mailtos://user:pass@smtp.example.org?to=team@example.org",
        "slack://TokenA/TokenB/TokenC/#labels",
        # a service's own https address is that service for Apprise, not a plain webhook
        "https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
    ],
)
def test_usable_urls_pass(url: str) -> None:
    assert unusable(url) is None


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        (
            "https://hooks.example.org/SECRET-TOKEN",
            "https://hooks.example.org: Apprise does not take a plain https:// URL as a webhook; for a JSON webhook "
            "write the same URL with jsons:// instead of https://",
        ),
        (
            "http://127.0.0.1:8080/SECRET-TOKEN",
            "http://127.0.0.1:8080: Apprise does not take a plain http:// URL as a webhook; for a JSON webhook "
            "write the same URL with json:// instead of http://",
        ),
        ("nosuch://SECRET-TOKEN", "nosuch:// is no service Apprise knows"),
        ("slack://SECRET-TOKEN", "Apprise cannot use this slack:// URL: An invalid Slack (first) Token (***)"),
        ("json://", "Apprise cannot use this json:// URL"),
        ("SECRET-TOKEN", "not an Apprise URL"),
    ],
)
def test_an_unusable_url_says_why_and_names_the_channel_without_its_secret(url: str, hint: str) -> None:
    problem = unusable(url)
    assert problem is not None and hint in problem
    assert problem.startswith(channel_name(url) + ": ")
    assert "SECRET-TOKEN" not in problem and len(problem.splitlines()) == 1


def test_a_json_webhook_gets_each_alert_as_fields(webhook: Webhook) -> None:
    lapsed = alert(
        "Arena Magica",
        "lapsed",
        label_date=dt.date(2017, 10, 21),  # 253 days before TODAY: days_left is counted to the day it is read
        days_left=-253,
        renewal_closes_on=dt.date(2018, 10, 21),
        renewal_window="open",
        alert_id=7,
    )
    digest = render_digest([alert(), lapsed], TODAY)
    # the URL's own payload extras (`:key=value`) stay, beside the fields
    assert (
        send(webhook.url("hooks/SECRET-TOKEN?:source=ecei-prod"), digest.title, digest.body_html, 5, digest.fields)
        is None
    )
    (post,) = webhook.posts
    assert (post["title"], post["message"], post["source"]) == (digest.title, digest.body_html, "ecei-prod")
    assert (post["test"], post["today"]) == (False, "2018-07-01")
    first, second = post["alerts"]
    assert first["name"] == "Arena <script>alert(1)</script>"  # a value, not HTML: the program escapes it
    assert (first["kind"], first["cluster_id"], first["country"], first["portfolio"]) == (
        "expiring",
        "abc",
        "Norway",
        "Food & drink",
    )
    assert (first["label_date"], first["days_left"], first["threshold_days"]) == ("2018-07-13", 12, 30)
    assert first["note"] == "12 days left (within 30 days)"
    assert (second["alert_id"], second["kind"], second["days_left"], second["renewal_closes_on"]) == (
        7,
        "lapsed",
        -253,
        "2018-10-21",
    )
    assert (first["renewal_window"], second["renewal_window"]) == (None, "open")


def test_a_digest_says_of_its_day_only_what_was_read_on_it() -> None:
    with pytest.raises(ValueError, match="read on 2018-06-30"):
        render_digest([alert(read_on=TODAY - dt.timedelta(days=1))], TODAY)


def test_other_channels_get_the_digest_alone(smtp: Mailbox) -> None:
    digest = render_digest([alert()], TODAY)
    assert send(smtp.url(), digest.title, digest.body_html, 5, digest.fields) is None
    assert "alerts" not in smtp.html_of(smtp.messages[0])


def test_the_trial_message_names_the_channel_and_carries_no_alert(webhook: Webhook) -> None:
    url = webhook.url()
    message = trial_message(url)
    assert send(url, message.title, message.body_html, 5, message.fields) is None
    (post,) = webhook.posts
    assert post["title"] == "ecei-watch: test message" and channel_name(url) in post["message"]
    assert (post["test"], post["alerts"]) == (True, [])
    assert "SECRET-TOKEN" not in post["message"]


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
