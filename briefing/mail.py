"""Email delivery: the briefing as one multipart message (Markdown text + HTML) over SMTP.

Never twice: the store remembers, per (date, recipient), whether the briefing went out.
Exactly once as far as SMTP allows: each (date, recipient) has one stable ``Message-ID``
(``message_id_for``), recorded as "sending" before the SMTP conversation and "sent" once the
server accepts. A process killed between the two leaves "sending" (``briefing history`` shows
it); the next run sends again under the same Message-ID, which mail stores use to drop the
duplicate. ``--resend`` is a deliberate second copy and gets a new Message-ID.
A recipient who has it is skipped unless ``resend``; one who does not is tried again,
with back-off inside the run and again on the next run of that date. Each recipient gets
their own message (recipients do not see each other), all over one SMTP session.

Named ``mail`` so that it never shadows the standard library's ``email`` package.
"""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Literal

from .config import EmailConfig
from .errors import ConfigError, DeliveryError
from .store import Deliveries, DeliveryRecord

__all__ = [
    "EmailReport",
    "RecipientResult",
    "build_message",
    "deliver_email",
    "format_subject",
    "message_id_for",
    "report_lines",
    "send_messages",
    "smtp_password",
]

RecipientStatus = Literal["sent", "failed", "already-sent"]


@dataclass(frozen=True)
class RecipientResult:
    """How delivery to one recipient went in this run."""

    recipient: str
    status: RecipientStatus
    attempts: int = 0
    error: str | None = None


@dataclass(frozen=True)
class EmailReport:
    """Delivery of one dated briefing in one run."""

    day: date
    results: tuple[RecipientResult, ...] = ()

    @property
    def status(self) -> Literal["sent", "failed", "skipped"]:
        """The run's email status, as ``briefing history`` shows it."""
        if any(r.status == "failed" for r in self.results):
            return "failed"
        if any(r.status == "sent" for r in self.results):
            return "sent"
        return "skipped"

    def recipients(self, status: RecipientStatus) -> list[str]:
        return [r.recipient for r in self.results if r.status == status]


def format_subject(template: str, *, title: str, day: date, headline: str = "", count: int = 0) -> str:
    """The subject line from ``delivery.email.subject`` (fields: ``title``, ``date``, ``headline``: the lead
    story's, ``count``: the stories, ``stories``: "12 stories").

    Raises:
        ConfigError: the template names another field or has a bad format spec.
    """
    try:
        subject = template.format(title=title, date=day, headline=headline or "no new stories", count=count,
                                  stories=f"{count} {'story' if count == 1 else 'stories'}")
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise ConfigError(f"delivery.email.subject: cannot format {template!r}: {exc} "
                          "(available fields: {title}, {date}, {headline}, {count}, {stories})") from None
    return " ".join(subject.split())


def message_id_for(day: date, recipient: str, sender: str, copy: int = 0) -> str:
    """The one Message-ID of the briefing dated ``day`` for ``recipient`` (``copy`` > 0: a deliberate resend)."""
    domain = sender.rpartition("@")[2].strip(" <>") or "localhost"
    digest = hashlib.sha256(f"{day.isoformat()}\n{recipient.casefold()}\n{copy}".encode()).hexdigest()[:20]
    return f"<briefing.{day.isoformat()}.{digest}@{domain}>"


def build_message(*, sender: str, to: str, subject: str, text: str, html: str, day: date,
                  now: datetime | None = None, message_id: str | None = None) -> EmailMessage:
    """A multipart/alternative message: ``text`` as text/plain, then ``html`` as text/html.

    ``message_id`` defaults to the stable one of (``day``, ``to``).
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime((now or datetime.now(UTC)).astimezone(UTC))
    message["Message-ID"] = message_id or message_id_for(day, to, sender)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Briefing-Date"] = day.isoformat()
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def smtp_password(config: EmailConfig) -> str | None:
    """The SMTP password from the environment variable named by ``password_env``.

    Raises:
        DeliveryError: ``password_env`` is set but the variable is not, or a username
            is configured without ``password_env``.
    """
    if config.password_env is None:
        if config.username:
            raise DeliveryError("delivery.email.username is set but delivery.email.password_env is not "
                                "(name the environment variable that holds the SMTP password)")
        return None
    password = os.environ.get(config.password_env)
    if password is None:
        raise DeliveryError(f"environment variable {config.password_env} is not set "
                            "(delivery.email.password_env names it for the SMTP password)")
    return password


def send_messages(config: EmailConfig, messages: dict[str, EmailMessage], *, password: str | None,
                  ca_file: Path | None = None,
                  on_sent: Callable[[str], None] = lambda recipient: None,
                  on_sending: Callable[[str], None] = lambda recipient: None) -> dict[str, str]:
    """Send one message per recipient over one SMTP session.

    ``on_sending(recipient)`` is called just before each message is handed to the server and
    ``on_sent(recipient)`` as soon as the server accepts it, so a failure later in the session
    cannot make an accepted message count as unsent.

    Returns:
        The error (one line) for each recipient whose message was not accepted.
    """
    errors: dict[str, str] = {}
    pending = list(messages)
    where = f"{config.host}:{config.port}"
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        smtp: smtplib.SMTP
        if config.security == "ssl":
            smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with smtp:
            smtp.ehlo()
            if config.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError("the server does not offer STARTTLS")
                smtp.starttls(context=context)
                smtp.ehlo()
            if config.username:
                smtp.login(config.username, password or "")
            while pending:
                recipient = pending[0]
                on_sending(recipient)
                try:
                    smtp.send_message(messages[recipient], from_addr=config.sender, to_addrs=[recipient])
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                    # The server refused this message but the session is still good.
                    errors[recipient] = f"{where}: {describe(exc)}"
                else:
                    on_sent(recipient)
                pending.pop(0)
    except (smtplib.SMTPException, OSError) as exc:
        reason = f"{where}: {describe(exc)}"
        errors.update({recipient: reason for recipient in pending})
    return errors


def deliver_email(
    day: date,
    config: EmailConfig,
    store: Deliveries,
    *,
    title: str,
    text: str,
    html: str,
    headline: str = "",
    count: int = 0,
    resend: bool = False,
    ca_file: Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> EmailReport:
    """Mail the briefing dated ``day`` to every recipient who does not have it yet.

    Failed sends are retried ``config.retries`` times, ``config.retry_delay`` seconds
    after the first failure and twice as long after each further one. Every outcome is
    recorded in the store, so a recipient still failed is tried again on the next run.

    Args:
        day: the briefing's date (the key of "never twice").
        config: the ``delivery.email`` section.
        store: where deliveries are recorded.
        title: the briefing's title, for the subject.
        headline: the lead story's headline, for the subject.
        count: how many stories the briefing has, for the subject.
        text: the text/plain part (the Markdown briefing).
        html: the text/html part (the HTML briefing).
        resend: send also to recipients who already have this date's briefing.
        ca_file: CA certificates to trust (default: ``config.ca_file`` as it stands; the
            pipeline passes it resolved against the config file's folder).
        sleep: waits between attempts (injected by tests).
        now: the clock for ``sent_at`` and the Date header.

    Returns:
        One result per configured recipient. Failures (a broken subject template and a
        missing password variable included) are reported here and recorded, not raised.
    """
    recipients = list(dict.fromkeys(config.to))
    done = store.deliveries(day)
    results: dict[str, RecipientResult] = {}
    pending: list[str] = []
    for recipient in recipients:
        record = done.get(recipient)
        if record is not None and record.sent_at is not None and not resend:
            results[recipient] = RecipientResult(recipient, "already-sent")
        else:
            pending.append(recipient)

    attempts = dict.fromkeys(pending, 0)
    errors: dict[str, str] = {}
    # The same Message-ID for every try of one copy; a deliberate resend of a copy that went out is a new one.
    message_ids = {r: message_id_for(day, r, config.sender, copy=_copies(done.get(r)) if resend else 0)
                   for r in pending}
    messages: dict[str, EmailMessage] = {}

    def sending(recipient: str) -> None:
        store.mark_sending(day, recipient, messages[recipient]["Message-ID"], now())

    def sent(recipient: str) -> None:
        store.record_delivery(day, recipient, "sent", attempts=attempts[recipient], sent_at=now())
        results[recipient] = RecipientResult(recipient, "sent", attempts[recipient])

    for attempt in range(config.retries + 1):
        if not pending:
            break
        if attempt:
            sleep(config.retry_delay * 2 ** (attempt - 1))
        for recipient in pending:
            attempts[recipient] += 1
        try:
            subject = format_subject(config.subject, title=title, day=day, headline=headline, count=count)
            password = smtp_password(config)
        except (ConfigError, DeliveryError) as exc:
            # A configuration problem: waiting will not fix it.
            errors = dict.fromkeys(pending, str(exc))
            break
        stamp = now()
        messages = {r: build_message(sender=config.sender, to=r, subject=subject, text=text, html=html, day=day,
                                     now=stamp, message_id=message_ids[r]) for r in pending}
        errors = send_messages(config, messages, password=password, ca_file=ca_file or config.ca_file, on_sent=sent,
                               on_sending=sending)
        pending = [r for r in pending if r in errors]

    for recipient in pending:
        store.record_delivery(day, recipient, "failed", attempts=attempts[recipient], error=errors[recipient])
        results[recipient] = RecipientResult(recipient, "failed", attempts[recipient], errors[recipient])
    return EmailReport(day=day, results=tuple(results[r] for r in recipients))


def _copies(record: DeliveryRecord | None) -> int:
    """How many deliberate copies went out before: the resend number for the next Message-ID."""
    if record is None or record.sent_at is None:
        return 0
    if record.message_id and record.message_id.startswith("<briefing."):
        for copy in range(1000):
            if message_id_for(record.date, record.recipient, record.message_id.rpartition("@")[2].rstrip(">"),
                              copy) == record.message_id:
                return copy + 1
    return 1


def describe(exc: BaseException) -> str:
    """One line saying why an SMTP exchange failed."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{addr} refused ({code} {_text(msg)})" for addr, (code, msg) in exc.recipients.items()]
        return "; ".join(parts) or "recipient refused"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"authentication failed ({exc.smtp_code} {_text(exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"server replied {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"server closed the connection ({_one_line(str(exc))})" if str(exc) else "server closed the connection"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {exc.verify_message or _one_line(str(exc))}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return _one_line(str(exc)) or type(exc).__name__


def _text(value: bytes | str) -> str:
    return _one_line(value.decode("utf-8", "replace") if isinstance(value, bytes) else value)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def report_lines(report: EmailReport) -> list[str]:
    """Lines for the user: what went out, what was already out, what failed (``warning:`` first)."""
    lines: list[str] = []
    if sent := report.recipients("sent"):
        lines.append(f"email: sent to {', '.join(sent)}")
    if already := report.recipients("already-sent"):
        lines.append(f"email: {report.day} already sent to {', '.join(already)} (--resend to send again)")
    for r in report.results:
        if r.status == "failed":
            tries = f"{r.attempts} attempt{'s' if r.attempts != 1 else ''}"
            lines.append(f"warning: email to {r.recipient} failed after {tries}: {r.error}; "
                         f"will retry on the next run for {report.day}")
    return lines
