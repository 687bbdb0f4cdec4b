"""Email delivery against a real SMTP server on loopback (aiosmtpd), started by each test.

Plain SMTP, STARTTLS and implicit TLS with a self-signed certificate made here, login that
works and login that fails, a closed port; then through the pipeline and the CLI: the
file is written first, nothing is sent twice without --resend, failures are retried.
"""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime
from email import policy
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from briefing.config import Config, EmailConfig, load_config
from briefing.errors import DeliveryError
from briefing.mail import (
    build_message,
    deliver_email,
    format_subject,
    message_id_for,
    report_lines,
    smtp_password,
)
from briefing.models import Briefing
from briefing.pipeline import Pipeline
from briefing.render import render_html, render_markdown
from briefing.store import Store

from .conftest import REPO
from .helpers import tiny_bert

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is not installed")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

DAY = date(2026, 11, 24)
SENDER = "briefing@example.org"
ANN, BOB = "ann@example.org", "bob@example.org"
USER, PASSWORD = "briefing", "s3cret"


# --- a real SMTP server -------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps what arrived and how the session was."""

    def __init__(self, *, refuse: dict[str, str] | None = None, data_reply: str | None = None) -> None:
        self.refuse = refuse or {}
        self.data_reply = data_reply
        self.received: list[tuple[list[str], Message, bool, bool]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message, session.ssl is not None, bool(session.authenticated)))
        return "250 Message accepted"

    @property
    def messages(self) -> list[Message]:
        return [message for _, message, _, _ in self.received]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())
    # handled=False: aiosmtpd then answers 535 itself instead of leaving the client waiting.
    return AuthResult(success=ok, handled=False)


ServerFactory = Callable[..., tuple[int, Inbox]]


@pytest.fixture
def smtp_server() -> Iterator[ServerFactory]:
    """Start SMTP servers on loopback: ``smtp_server(inbox=None, port=None, **aiosmtpd_options)``."""
    with ExitStack() as stack:

        def start(inbox: Inbox | None = None, port: int | None = None, **options: Any) -> tuple[int, Inbox]:
            inbox = inbox or Inbox()
            port = port or free_port()
            controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=port, **options)
            controller.start()
            stack.callback(controller.stop)
            return port, inbox

        yield start


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1: (cert.pem, key.pem)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        _make_certificate(cert, key)
    except ImportError:
        if shutil.which("openssl") is None:
            pytest.skip("cannot make a self-signed certificate: neither `cryptography` nor `openssl` is available")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True)
    return cert, key


def _make_certificate(cert_path: Path, key_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


# --- library: deliver_email -----------------------------------------------------------------


def small_briefing() -> Briefing:
    return Briefing(date=DAY, generated_at=datetime(2026, 11, 25, 6, 30, tzinfo=UTC),
                    window_start=datetime(2026, 11, 24, tzinfo=UTC), window_end=datetime(2026, 11, 25, tzinfo=UTC),
                    backend="lead", model="none", stories=(), stats={"feeds": 1, "articles": 0})


TEXT = render_markdown(small_briefing(), title="Morning brief")
HTML = render_html(small_briefing(), title="Morning brief")


def mail_config(port: int, **options: Any) -> EmailConfig:
    settings: dict[str, Any] = {"host": "127.0.0.1", "port": port, "security": "none", "sender": SENDER,
                                "to": [ANN, BOB], "timeout": 5, "retries": 2, "retry_delay": 0}
    return EmailConfig(**(settings | options))


def deliver(config: EmailConfig, store: Store, **options: Any) -> Any:
    return deliver_email(DAY, config, store, title="Morning brief", text=TEXT, html=HTML,
                         headline="Troops cross the border", count=3, **options)


@pytest.fixture
def store() -> Iterator[Store]:
    with Store(":memory:") as db:
        yield db


def parts(message: Message) -> dict[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    found = {}
    for part in message.walk():
        if not part.is_multipart():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            # On the wire text lines end in CRLF (RFC 5322); compare with the files' LF.
            text = payload.decode(part.get_content_charset() or "ascii")
            found[part.get_content_type()] = text.replace("\r\n", "\n")
    return found


def test_default_subject_carries_the_lead_headline_and_count() -> None:
    subject = format_subject(EmailConfig(sender=SENDER, to=[ANN]).subject, title="Morning brief", day=DAY,
                             headline="Valdoria sends troops to the front", count=12)
    assert subject == "Morning brief, Tue 24 Nov: Valdoria sends troops to the front · 12 stories"
    assert format_subject("{headline} ({stories})", title="x", day=DAY, count=1) == "no new stories (1 story)"


def test_subject_template_gets_title_and_date() -> None:
    assert format_subject("{title} — {date:%A, %d %B %Y}", title="Morning brief", day=DAY) == \
        "Morning brief — Tuesday, 24 November 2026"
    assert format_subject("{date} news", title="x", day=DAY) == "2026-11-24 news"


def test_message_is_multipart_alternative_text_then_html() -> None:
    message = build_message(sender=SENDER, to=ANN, subject="Morning brief — 24 November", text=TEXT, html=HTML,
                            day=DAY, now=datetime(2026, 11, 25, 6, 30, tzinfo=UTC))
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert [p.get_content_type() for p in parsed.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    assert parts(parsed) == {"text/plain": TEXT, "text/html": HTML}
    assert parsed["Subject"] == "Morning brief — 24 November"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Message-ID"].endswith("@example.org>")


def test_plain_delivery_one_message_per_recipient(smtp_server: ServerFactory, store: Store) -> None:
    port, inbox = smtp_server()
    report = deliver(mail_config(port), store)
    assert report.status == "sent"
    assert [(r.recipient, r.status, r.attempts) for r in report.results] == [(ANN, "sent", 1), (BOB, "sent", 1)]
    assert [rcpts for rcpts, *_ in inbox.received] == [[ANN], [BOB]]
    for message, to in zip(inbox.messages, (ANN, BOB), strict=True):
        assert message["From"] == SENDER
        assert message["To"] == to
        assert message["Subject"] == "Morning brief, Tue 24 Nov: Troops cross the border · 3 stories"
        assert parts(message) == {"text/plain": TEXT, "text/html": HTML}
    records = store.deliveries(DAY)
    assert {r: (rec.status, rec.attempts, rec.sent_at is not None) for r, rec in records.items()} == {
        ANN: ("sent", 1, True), BOB: ("sent", 1, True)}


def test_starttls_with_self_signed_certificate_and_login(smtp_server: ServerFactory, store: Store,
                                                         certificate: tuple[Path, Path],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    port, inbox = smtp_server(tls_context=server_tls(certificate), require_starttls=True,
                              authenticator=authenticator)
    monkeypatch.setenv("BRIEFING_TEST_SMTP_PASSWORD", PASSWORD)
    config = mail_config(port, security="starttls", username=USER, password_env="BRIEFING_TEST_SMTP_PASSWORD",
                         ca_file=certificate[0], to=[ANN])
    report = deliver(config, store)
    assert report.status == "sent", report
    [(rcpts, message, tls, authenticated)] = inbox.received
    assert rcpts == [ANN] and tls and authenticated
    assert parts(message) == {"text/plain": TEXT, "text/html": HTML}


def test_starttls_refuses_an_untrusted_certificate(smtp_server: ServerFactory, store: Store,
                                                   certificate: tuple[Path, Path]) -> None:
    port, inbox = smtp_server(tls_context=server_tls(certificate), require_starttls=True)
    report = deliver(mail_config(port, security="starttls", retries=0), store)
    assert report.status == "failed"
    assert "certificate" in (report.results[0].error or "")
    assert inbox.received == []


def test_implicit_tls(smtp_server: ServerFactory, store: Store, certificate: tuple[Path, Path],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    port, inbox = smtp_server(ssl_context=server_tls(certificate), authenticator=authenticator,
                              auth_require_tls=False)
    monkeypatch.setenv("BRIEFING_TEST_SMTP_PASSWORD", PASSWORD)
    config = mail_config(port, security="ssl", username=USER, password_env="BRIEFING_TEST_SMTP_PASSWORD",
                         ca_file=certificate[0])
    assert deliver(config, store).status == "sent"
    assert [rcpts for rcpts, *_ in inbox.received] == [[ANN], [BOB]]
    assert all(authenticated for *_, authenticated in inbox.received)


def test_auth_failure_is_retried_with_backoff_and_recorded(smtp_server: ServerFactory, store: Store,
                                                           certificate: tuple[Path, Path],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    port, inbox = smtp_server(tls_context=server_tls(certificate), require_starttls=True,
                              authenticator=authenticator)
    monkeypatch.setenv("BRIEFING_TEST_SMTP_PASSWORD", "wrong")
    config = mail_config(port, security="starttls", username=USER, password_env="BRIEFING_TEST_SMTP_PASSWORD",
                         ca_file=certificate[0], retries=2, retry_delay=0.5)
    waits: list[float] = []
    report = deliver(config, store, sleep=waits.append)
    assert waits == [0.5, 1.0]
    assert report.status == "failed"
    for result in report.results:
        assert result.attempts == 3
        assert result.error is not None and "authentication failed (535" in result.error
        assert result.error.startswith(f"127.0.0.1:{port}: ")
    assert {r: (rec.status, rec.attempts) for r, rec in store.deliveries(DAY).items()} == {
        ANN: ("failed", 3), BOB: ("failed", 3)}
    assert inbox.received == []
    [warning, _] = report_lines(report)
    assert warning.startswith(f"warning: email to {ANN} failed after 3 attempts: ")
    assert warning.endswith("will retry on the next run for 2026-11-24")


def test_missing_password_variable_is_named_and_not_retried(smtp_server: ServerFactory, store: Store) -> None:
    port, inbox = smtp_server()
    config = mail_config(port, username=USER, password_env="BRIEFING_TEST_NO_SUCH_VAR")
    with pytest.raises(DeliveryError, match="BRIEFING_TEST_NO_SUCH_VAR"):
        smtp_password(config)
    waits: list[float] = []
    report = deliver(config, store, sleep=waits.append)
    assert waits == []
    assert [(r.status, r.attempts) for r in report.results] == [("failed", 1), ("failed", 1)]
    assert "BRIEFING_TEST_NO_SUCH_VAR" in (report.results[0].error or "")
    assert inbox.received == []


def test_broken_subject_template_is_a_recorded_failure(smtp_server: ServerFactory, store: Store) -> None:
    port, _ = smtp_server()
    report = deliver(mail_config(port, subject="{title} {when}", to=[ANN]), store)
    assert report.status == "failed"
    assert "delivery.email.subject" in (report.results[0].error or "")


def test_refused_recipient_fails_alone_and_4xx_is_retried(smtp_server: ServerFactory, store: Store) -> None:
    port, inbox = smtp_server(Inbox(refuse={BOB: "550 5.1.1 No such user"}))
    report = deliver(mail_config(port, retries=1), store)
    assert [(r.recipient, r.status, r.attempts) for r in report.results] == [(ANN, "sent", 1), (BOB, "failed", 2)]
    assert "550" in (report.results[1].error or "")
    assert [rcpts for rcpts, *_ in inbox.received] == [[ANN]]

    port, inbox = smtp_server(Inbox(data_reply="451 4.3.0 Try again later"))
    report = deliver(mail_config(port, retries=1, to=["cy@example.org"]), store)
    assert [(r.status, r.attempts) for r in report.results] == [("failed", 2)]
    assert "451" in (report.results[0].error or "")


def test_closed_port_is_connection_refused(store: Store) -> None:
    waits: list[float] = []
    report = deliver(mail_config(free_port(), retries=3, retry_delay=1), store, sleep=waits.append)
    assert waits == [1, 2, 4]
    assert [(r.status, r.attempts) for r in report.results] == [("failed", 4), ("failed", 4)]
    assert report.results[0].error is not None and report.results[0].error.endswith("connection refused")


def test_sent_is_never_sent_again_unless_resend(smtp_server: ServerFactory, store: Store) -> None:
    port, inbox = smtp_server()
    config = mail_config(port)
    assert deliver(config, store).status == "sent"
    again = deliver(config, store)
    assert again.status == "skipped"
    assert [r.status for r in again.results] == ["already-sent", "already-sent"]
    assert len(inbox.received) == 2
    assert deliver(config, store, resend=True).status == "sent"
    assert len(inbox.received) == 4
    # A recipient added later gets it; the others do not get it again.
    more = deliver(config.model_copy(update={"to": [ANN, BOB, "cy@example.org"]}), store)
    assert [r.status for r in more.results] == ["already-sent", "already-sent", "sent"]
    assert len(inbox.received) == 5


# --- through the pipeline and the CLI ---------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    return tiny_bert(tmp_path_factory.mktemp("tiny") / "bert")


def write_config(folder: Path, model: Path, port: int, *, to: tuple[str, ...] = (ANN,),
                 name: str = "briefing.toml") -> Path:
    """The demo feeds with a tiny model and the lead summarizer (fast), mailing to loopback."""
    demo = load_config(REPO / "configs" / "demo.toml")
    feeds = "\n".join(f'[[feeds]]\nurl = "{f}"\nname = "{f.name}"\n' for f in (
        Path(demo.feed_location(feed.url)) for feed in demo.feeds))
    recipients = ", ".join(f'"{r}"' for r in to)
    path = folder / name
    path.write_text(f"""
[briefing]
title = "Demo briefing"
day_ends_at = "24:00"
[output]
dir = "outputs"
[store]
path = "state/briefing.db"
[embed]
model = "{model}"
[summarize]
backend = "lead"
[delivery.email]
host = "127.0.0.1"
port = {port}
security = "none"
sender = "{SENDER}"
to = [{recipients}]
subject = "{{title}} for {{date}}"
timeout = 5
retries = 2
retry_delay = 0
{feeds}
""", encoding="utf-8")
    return path


def run_day(config: Config, **options: Any) -> Any:
    pipeline = Pipeline(config)
    try:
        return pipeline.run(DAY, now=datetime(2026, 11, 25, 6, 30, tzinfo=UTC), **options)
    finally:
        pipeline.close()


def runs(config: Config) -> list[Any]:
    with Store(config.store_path) as db:
        return db.runs()


def test_connection_refused_leaves_the_file_and_is_retried_next_run(smtp_server: ServerFactory, tiny_model: Path,
                                                                    tmp_path: Path) -> None:
    port = free_port()  # nothing listens here yet
    config = load_config(write_config(tmp_path, tiny_model, port))
    result = run_day(config)
    assert all(path.is_file() for path in result.paths)
    assert result.email.status == "failed"
    assert [(r.status, r.attempts) for r in result.email.results] == [("failed", 3)]
    assert len(result.warnings) == 1 and "connection refused" in result.warnings[0]
    assert runs(config)[0].status == "ok" and runs(config)[0].email_status == "failed"

    _, inbox = smtp_server(port=port)  # the server is back
    again = run_day(config, fetch=False)
    assert again.email.status == "sent"
    assert again.warnings == []
    [message] = inbox.messages
    assert message["Subject"] == "Demo briefing for 2026-11-24"
    assert parts(message)["text/plain"] == (config.output_dir / "2026-11-24.md").read_text(encoding="utf-8")
    page = (config.output_dir / "2026-11-24.html").read_text(encoding="utf-8")
    assert '<a href="2026-11-23.html" rel="prev">' in page  # the file links to its neighbours; the email cannot
    assert parts(message)["text/html"] == re.sub(r"<nav>.*?</nav>\n", "", page, flags=re.S)
    with Store(config.store_path) as db:
        record = db.deliveries(DAY)[ANN]
    assert (record.status, record.attempts, record.last_error) == ("sent", 4, None)
    assert [r.email_status for r in runs(config)] == ["sent", "failed"]


def test_rerun_does_not_send_twice_resend_does(smtp_server: ServerFactory, tiny_model: Path, tmp_path: Path) -> None:
    port, inbox = smtp_server()
    config = load_config(write_config(tmp_path, tiny_model, port, to=(ANN, BOB)))
    assert run_day(config).email.status == "sent"
    assert run_day(config, fetch=False).email.status == "skipped"
    assert len(inbox.received) == 2
    assert run_day(config, fetch=False, email=False).email.results == ()
    assert len(inbox.received) == 2
    assert run_day(config, fetch=False, resend=True).email.status == "sent"
    assert len(inbox.received) == 4
    assert [r.email_status for r in runs(config)] == ["sent", "skipped", "skipped", "sent"]


def test_cli_email_flags_and_history(smtp_server: ServerFactory, tiny_model: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from briefing.cli import app

    runner = CliRunner()
    port, inbox = smtp_server()
    path = str(write_config(tmp_path, tiny_model, port))
    base = ["run", "--config", path, "--date", DAY.isoformat(), "--quiet"]

    first = runner.invoke(app, [*base, "--no-email"])
    assert first.exit_code == 0, first.output
    assert (tmp_path / "outputs" / "2026-11-24.md").is_file()
    assert inbox.received == []

    sent = runner.invoke(app, [*base, "--no-fetch", "--email"])
    assert sent.exit_code == 0, sent.output
    assert f"email: sent to {ANN}" in sent.output
    again = runner.invoke(app, [*base, "--no-fetch"])
    assert f"already sent to {ANN} (--resend to send again)" in again.output
    resent = runner.invoke(app, [*base, "--no-fetch", "--resend"])
    assert f"email: sent to {ANN}" in resent.output
    assert len(inbox.received) == 2

    down = write_config(tmp_path, tiny_model, free_port(), name="down.toml")  # same store and outputs
    failed = runner.invoke(app, ["run", "--config", str(down), "--date", DAY.isoformat(), "--quiet", "--no-fetch",
                                 "--resend"])
    assert failed.exit_code == 0, failed.output
    assert "warning: email to ann@example.org failed after 3 attempts" in failed.output

    history = runner.invoke(app, ["history", "--config", path, "--days", "100000"])
    assert history.exit_code == 0, history.output
    statuses = [line.split()[-1] for line in history.output.splitlines()[1:]]
    assert statuses == ["failed", "sent", "skipped", "sent", "skipped"]


def test_no_email_configured_leaves_the_status_empty(tiny_model: Path, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, tiny_model, free_port()))
    config = config.model_copy(update={"delivery": config.delivery.model_copy(update={"email": None})})
    result = run_day(config)
    assert result.email is None
    assert runs(config)[0].email_status is None



def test_an_empty_day_is_written_with_its_reason_and_not_mailed(smtp_server: ServerFactory, tiny_model: Path,
                                                                tmp_path: Path) -> None:
    port, inbox = smtp_server()
    path = write_config(tmp_path, tiny_model, port)
    config = load_config(path)
    pipeline = Pipeline(config)
    try:
        result = pipeline.run(date(2026, 12, 1), now=datetime(2026, 12, 1, 6, 30, tzinfo=UTC))
    finally:
        pipeline.close()
    assert result.briefing.stories == ()
    assert inbox.received == []
    assert result.email is not None and result.email.status == "skipped"
    assert any("the briefing is empty, so it was not emailed" in w for w in result.warnings)
    text = " ".join((config.output_dir / "2026-12-01.md").read_text(encoding="utf-8").split())
    assert "No stories: nothing new for this briefing's window" in text
    assert "The store holds" in text and "To brief that day: briefing run --date 2026-11-26" in text

    path.write_text(path.read_text(encoding="utf-8").replace("retry_delay = 0", "retry_delay = 0\nsend_empty = true"),
                    encoding="utf-8")
    pipeline = Pipeline(load_config(path))
    try:
        again = pipeline.run(date(2026, 12, 1), fetch=False, now=datetime(2026, 12, 1, 7, tzinfo=UTC))
    finally:
        pipeline.close()
    assert again.email is not None and again.email.status == "sent"
    assert len(inbox.received) == 1


def test_a_rebuild_that_lost_its_items_never_replaces_the_briefing(tiny_model: Path, tmp_path: Path) -> None:
    import sqlite3

    from typer.testing import CliRunner

    from briefing.cli import app

    path = write_config(tmp_path, tiny_model, free_port())
    config = load_config(path)
    first = run_day(config, email=False)
    assert first.briefing.stories
    original = (config.output_dir / "2026-11-24.md").read_bytes()
    with sqlite3.connect(config.store_path) as db:  # as a prune would
        db.execute("DELETE FROM items")
    result = CliRunner().invoke(app, ["run", "--config", str(path), "--date", "2026-11-24", "--no-fetch",
                                      "--no-email", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "warning: kept " in result.output and "this rebuild found 0" in result.output
    assert (config.output_dir / "2026-11-24.md").read_bytes() == original
    assert (config.output_dir / "2026-11-24.rebuilt.md").is_file()
    forced = CliRunner().invoke(app, ["run", "--config", str(path), "--date", "2026-11-24", "--no-fetch",
                                      "--no-email", "--quiet", "--force"])
    assert forced.exit_code == 0, forced.output
    assert (config.output_dir / "2026-11-24.md").read_bytes() != original


# --- exactly once: one Message-ID per (date, recipient), the crash window ------------------------

CRASH_BETWEEN_ACCEPT_AND_RECORD = """
import os, signal, sys
from datetime import date
from briefing.config import EmailConfig
from briefing.mail import deliver_email
from briefing.store import Store

recorded = Store.record_delivery

def killed_before_recording(self, day, recipient, status, **options):
    if status == "sent":  # the server has accepted the message; the record is next
        os.kill(os.getpid(), signal.SIGKILL)
    return recorded(self, day, recipient, status, **options)

Store.record_delivery = killed_before_recording
config = EmailConfig(host="127.0.0.1", port=int(sys.argv[2]), security="none", sender=sys.argv[3],
                     to=[sys.argv[4]], timeout=5, retries=0, retry_delay=0)
with Store(sys.argv[1]) as store:
    deliver_email(date.fromisoformat(sys.argv[5]), config, store, title="Morning brief", text="hello",
                  html="<p>hello</p>")
"""


def test_a_crash_between_accept_and_record_resends_under_the_same_message_id(
        smtp_server: ServerFactory, tmp_path: Path) -> None:
    import os
    import sys

    port, inbox = smtp_server()
    db = tmp_path / "state" / "b.db"
    Store(db).close()
    child = subprocess.run([sys.executable, "-c", CRASH_BETWEEN_ACCEPT_AND_RECORD, str(db), str(port), SENDER, ANN,
                            DAY.isoformat()], env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
                           timeout=60)
    assert child.returncode == -9, child.stderr.decode()
    assert len(inbox.messages) == 1  # the server has it; our record does not say so
    with Store(db) as store:
        [left] = store.unfinished_sends()
        assert (left.date, left.recipient, left.status, left.sent_at) == (DAY, ANN, "sending", None)
        assert left.message_id == inbox.messages[0]["Message-ID"]

        config_file = tmp_path / "briefing.toml"
        config_file.write_text(f'[store]\npath = "{db}"\n', encoding="utf-8")
        from typer.testing import CliRunner

        from briefing.cli import app

        shown = CliRunner().invoke(app, ["history", "--config", str(config_file), "--days", "100000"])
        assert f"email {DAY} to {ANN}: handed to the server at" in shown.output
        assert left.message_id in shown.output

        report = deliver_email(DAY, mail_config(port, to=[ANN]), store, title="Morning brief", text=TEXT, html=HTML)
        assert report.status == "sent"
        assert store.unfinished_sends() == []
    first, second = inbox.messages
    assert first["Message-ID"] == second["Message-ID"]  # a mail store keeps one of them


def test_message_ids_are_stable_per_date_and_recipient_and_new_for_a_deliberate_resend(
        smtp_server: ServerFactory, store: Store) -> None:
    refusing = Inbox(refuse={BOB: "451 try later"})
    port, inbox = smtp_server(inbox=refusing)
    deliver(mail_config(port, retries=0), store)
    refusing.refuse.clear()
    deliver(mail_config(port, retries=0), store)
    deliver(mail_config(port, retries=0), store, resend=True)
    ids = [(rcpts[0], message["Message-ID"]) for rcpts, message, _, _ in inbox.received]
    assert [r for r, _ in ids] == [ANN, BOB, ANN, BOB]
    assert ids[0][1] == message_id_for(DAY, ANN, SENDER) and ids[1][1] == message_id_for(DAY, BOB, SENDER)
    assert ids[2][1] != ids[0][1] and ids[3][1] != ids[1][1]  # a deliberate second copy is a new message
    assert len({message_id_for(DAY, ANN, SENDER), message_id_for(DAY, BOB, SENDER),
                message_id_for(DAY.replace(day=25), ANN, SENDER)}) == 3
