"""The RFC 5322 form of an outgoing mail: UTF-8 headers as encoded words, MIME alternatives."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email._policybase import Compat32
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from typing import Any

from domain.mail import Mailbox, OutgoingMail, clean_header


# Built with the email package's classic API (as Django's mail does): its Header encoder keeps
# the spaces inside encoded words. The newer EmailMessage folding in CPython 3.11 drops the
# space between two encoded words at a fold ("nhiệm vụ" reads "nhiệmvụ"), and it costs about
# twice as much per message.
class _Policy(Compat32):
    """compat32 that leaves short ASCII header values as they are instead of re-encoding
    each one through Header (most of the cost of flattening a message)."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        short = isinstance(value, str) and len(name) + len(value) + 2 <= (
            self.max_line_length or 78
        )
        if short and value.isascii() and "\n" not in value and "\r" not in value:
            return f"{name}: {value}{self.linesep}"
        return str(super()._fold(name, value, sanitize))  # type: ignore[misc]


POLICY = _Policy(linesep="\r\n")


def encode_address(box: Mailbox) -> str:
    name, email = clean_header(box.name), clean_header(box.email)
    if not name:
        return email
    # One encoded word per name: readers keep a fold inside a display name as a space.
    return formataddr((name, email), charset="utf-8")


def _addresses(boxes: tuple[Mailbox, ...]) -> str:
    return ", ".join(encode_address(b) for b in boxes)


def _text(body: str, subtype: str) -> MIMEText:
    return MIMEText(body, subtype, "utf-8", policy=POLICY)


def _boundary(mail: OutgoingMail, part: str) -> str:
    # Fixed here so the generator need not search the content for a safe one (a regex
    # compiled per message). Every part is base64, which never contains "_".
    return f"=_cchc_{part}_{hashlib.sha256(mail.message_id.encode()).hexdigest()[:24]}"


def to_email_message(mail: OutgoingMail) -> Message:
    """The MIME message: text/plain + text/html alternatives, then any attachments."""
    body: Message = _text(mail.content.text, "plain")
    if mail.content.html is not None:
        plain = body
        body = MIMEMultipart("alternative", boundary=_boundary(mail, "alt"), policy=POLICY)
        body.attach(plain)
        body.attach(_text(mail.content.html, "html"))
    msg = body
    if mail.content.attachments:
        msg = MIMEMultipart("mixed", boundary=_boundary(mail, "mix"), policy=POLICY)
        msg.attach(body)
        for item in mail.content.attachments:
            maintype, subtype = item.content_type.split("/", 1)
            part = MIMEApplication(item.data, subtype, policy=POLICY)
            part.replace_header("Content-Type", f"{maintype}/{subtype}")
            part.add_header("Content-Disposition", "attachment", filename=item.filename)
            msg.attach(part)
    msg["Message-ID"] = mail.message_id
    msg["Date"] = format_datetime(mail.date)
    msg["From"] = encode_address(mail.sender)
    msg["To"] = _addresses(mail.to)
    if mail.cc:
        msg["Cc"] = _addresses(mail.cc)
    subject = clean_header(mail.content.subject)
    if subject.isascii():
        msg["Subject"] = subject
    else:  # typeshed types header values as str; the classic API takes a Header here
        msg["Subject"] = Header(subject, "utf-8", header_name="Subject")  # type: ignore[assignment]
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        msg["References"] = " ".join(mail.references)
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def as_bytes(message: Message) -> bytes:
    """The message on the wire: CRLF line ends, headers folded by the classic encoder."""
    return message.as_bytes(policy=POLICY)


@dataclass(frozen=True)
class Envelope:
    """What a backend sends: SMTP envelope addresses and the message, flattened once."""

    sender: str
    recipients: tuple[str, ...]
    message_id: str
    data: bytes


def envelope(mail: OutgoingMail) -> Envelope:
    return Envelope(
        sender=mail.sender.email,
        recipients=tuple(mail.recipients()),
        message_id=mail.message_id,
        data=as_bytes(to_email_message(mail)),
    )


def envelopes(mails: list[OutgoingMail]) -> list[Envelope]:
    """Several messages built at once (what a build process is given)."""
    return [envelope(mail) for mail in mails]
