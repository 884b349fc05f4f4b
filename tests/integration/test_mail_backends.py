"""One contract, three backends: memory, file and SMTP against a real aiosmtpd server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from domain.mail import Mailbox, OutgoingMail, RenderedMail, message_id
from notifications.backends import FileBackend, MailBackend, MemoryBackend, SmtpBackend
from notifications.message import Envelope, envelope
from tests.smtp_server import SmtpServer


def sample(n: int) -> Envelope:
    mail = OutgoingMail(
        message_id=message_id(f"sample-{n}", "cchc.example.invalid"),
        sender=Mailbox("vanphong@skhcn.example.invalid", "Văn phòng Sở"),
        to=(Mailbox("bbt@skhcn.example.invalid", "Ban Biên tập Trang thông tin điện tử"),),
        content=RenderedMail(
            subject=f"[CCHC 2025] Nhắc việc số {n}: hạn thứ Sáu, 14/11/2025",
            text=f"Nội dung {n} — tiếng Việt có dấu.\n",
            html=f"<p>Nội dung {n}</p>",
        ),
        date=datetime(2025, 11, 7, 1, 0, tzinfo=UTC),
    )
    return envelope(mail)


class BackendContract:
    """The checks every backend passes; subclasses say how to build it and read it back."""

    @pytest.fixture
    def backend(self) -> Iterator[MailBackend]:
        raise NotImplementedError

    def received(self, backend: MailBackend) -> list[EmailMessage]:
        raise NotImplementedError

    def test_send_messages_returns_the_count(self, backend: MailBackend) -> None:
        assert asyncio.run(backend.send_messages([sample(1), sample(2), sample(3)])) == 3
        assert len(self.received(backend)) == 3

    def test_content_survives_the_transport(self, backend: MailBackend) -> None:
        asyncio.run(backend.send_messages([sample(7)]))
        [got] = self.received(backend)
        assert got["Subject"] == "[CCHC 2025] Nhắc việc số 7: hạn thứ Sáu, 14/11/2025"
        assert got["Message-ID"] == sample(7).message_id
        assert "Ban Biên tập" in str(got["To"])
        body = got.get_body(preferencelist=("plain",))
        assert body is not None
        assert "tiếng Việt có dấu" in body.get_content()

    def test_headers_are_encoded_words_on_the_wire(self, backend: MailBackend) -> None:
        raw = sample(1).data
        assert b"=?utf-8?" in raw
        assert all(ord(c) < 128 for c in raw.split(b"\r\n\r\n")[0].decode("ascii"))


class TestMemoryBackend(BackendContract):
    @pytest.fixture
    def backend(self) -> MailBackend:
        return MemoryBackend()

    def received(self, backend: MailBackend) -> list[EmailMessage]:
        assert isinstance(backend, MemoryBackend)
        return [message_from_bytes(m.data, policy=policy.default) for m in backend.outbox]


class TestFileBackend(BackendContract):
    @pytest.fixture
    def backend(self, tmp_path: Path) -> MailBackend:
        return FileBackend(directory=tmp_path / "mail")

    def received(self, backend: MailBackend) -> list[EmailMessage]:
        assert isinstance(backend, FileBackend)
        return [
            message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(backend.directory.glob("*.eml"))
        ]

    def test_sending_the_same_mail_again_keeps_one_file(self, backend: MailBackend) -> None:
        asyncio.run(backend.send_messages([sample(1)]))
        asyncio.run(backend.send_messages([sample(1)]))
        assert len(self.received(backend)) == 1


class TestSmtpBackend(BackendContract):
    @pytest.fixture
    def server(self) -> Iterator[SmtpServer]:
        server = SmtpServer().start()
        yield server
        server.stop()

    @pytest.fixture
    def backend(self, server: SmtpServer) -> MailBackend:
        backend = SmtpBackend(host="127.0.0.1", port=server.port, timeout=10)
        backend.server = server  # type: ignore[attr-defined]
        return backend

    def received(self, backend: MailBackend) -> list[EmailMessage]:
        return list(backend.server.recorder.received)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"use_tls": True, "start_tls": True}, "exclude each other"),
        ({"username": "vp"}, "both a username and a password"),
        ({"password": "x"}, "both a username and a password"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_contradictory_smtp_settings_are_refused_at_construction(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        SmtpBackend(host="127.0.0.1", port=25, **kwargs)  # type: ignore[arg-type]
