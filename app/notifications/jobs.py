"""The outbox job: send pending emails over SMTP, each at most once.

Each email is claimed in its own short transaction (so two drains never send the same
one), sent, and recorded as sent in another short transaction right after the server
accepted it (so a rerun or a crash never sends it twice). Registered as
"app.notifications.jobs:drain_outbox".
"""

from __future__ import annotations

import email.errors
import smtplib
import ssl
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app

from app.extensions import db
from app.notifications import services
from app.notifications.models import OutboxEmail

BATCH_SIZE = 50

# The server refused this one message: the next one may still go through.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)


def drain_outbox(*, now: datetime) -> dict[str, int]:
    """Send every due pending email; returns counts for the job's run record.

    Without `MAIL_SERVER` nothing is touched: {"sent": 0, "skipped": <pending emails>}.
    """
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        skipped = services.pending_count()
        db.session.rollback()
        return {"sent": 0, "skipped": skipped}
    counts = {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0}
    counts["failed"] += services.give_up_stale_claims(now=now)
    db.session.commit()
    token = uuid.uuid4().hex
    mailer = Mailer(config)
    try:
        for batch in due_batches(now=now):
            if not _send_batch(batch, mailer, token=token, now=now, counts=counts):
                break
    finally:
        mailer.close()
    return counts


def due_batches(*, now: datetime, outbox: type = OutboxEmail) -> Iterator[list[int]]:
    """The ids of due pending messages of `outbox`, a batch at a time, each id at most once
    per run; the read is ended before a batch is handed out, so each claim is its own
    transaction."""
    seen: set[int] = set()
    while True:
        due = services.due_email_ids(now=now, limit=BATCH_SIZE, outbox=outbox)
        batch = [i for i in due if i not in seen]
        db.session.commit()  # end the read before the first claim's write
        if not batch:
            return
        seen.update(batch)
        yield batch


def _send_batch(
    batch: list[int], mailer: Mailer, *, token: str, now: datetime, counts: dict[str, int]
) -> bool:
    """Send one batch; False when the server cannot be reached, to stop the run."""
    config = current_app.config
    for email_id in batch:
        claimed = services.claim_email(email_id, token=token, now=now)
        db.session.commit()
        if claimed is None:
            continue  # another drain has it
        failure: Exception | None = None
        permanent = reachable = True
        try:
            mailer.send(build_message(claimed, sender=config["MAIL_FROM"], now=now))
        except (ValueError, TypeError, email.errors.MessageError) as error:
            failure = error  # the message itself cannot be built
        except MESSAGE_ERRORS as error:
            failure, permanent = error, _refused_for_good(error)
        except (OSError, smtplib.SMTPException) as error:
            # Connection, login or server trouble: this email waits, the run stops.
            failure, permanent, reachable = error, False, False
            mailer.close()
        if failure is None:
            services.mark_sent(claimed, token=token, now=now)
            status = "sent"
        else:
            current_app.logger.warning("Email %s not sent: %r", claimed.id, failure)
            status = services.record_failure(
                claimed,
                f"{type(failure).__name__}: {failure}",
                token=token,
                permanent=permanent,
                max_attempts=config["OUTBOX_MAX_ATTEMPTS"],
                now=now,
            )
        db.session.commit()
        counts["retrying" if status == "pending" else status] += 1
        if not reachable:
            return False
    return True


def _refused_for_good(error: Exception) -> bool:
    """5xx answers are permanent; 4xx mean "try again later"."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in error.recipients.values())
    return getattr(error, "smtp_code", 0) >= 500


def build_message(claimed: services.ClaimedEmail, *, sender: str, now: datetime) -> EmailMessage:
    """A plain-text UTF-8 email. Its Message-ID is fixed per outbox row, so a receiving
    server could recognise a duplicate even if one were ever sent."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["Subject"] = claimed.subject
    message["From"] = sender
    message["To"] = claimed.to_address
    message["Date"] = format_datetime(now.replace(tzinfo=UTC))
    message["Message-ID"] = f"<outbox-{claimed.id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    cte = "quoted-printable" if claimed.body.isascii() else "base64"
    message.set_content(claimed.body, charset="utf-8", cte=cte)
    return message


class Mailer:
    """One SMTP connection, opened at the first message and reused for the run."""

    def __init__(self, config) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
        timeout = config["MAIL_TIMEOUT"]
        if config["MAIL_USE_SSL"]:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()
        self._smtp = None
