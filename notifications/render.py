"""Renders a mail kind from its templates: subject, text and HTML (autoescaped) alternatives."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.mail import Attachment, RenderedMail, clean_header
from notifications.content import MailKind

TEMPLATES = Path(__file__).with_name("templates")


class Renderer:
    """Turns (kind, context) into a RenderedMail; knows nothing about sending."""

    def __init__(self, *, year: int, slogans: Sequence[str], templates: Path = TEMPLATES) -> None:
        if not slogans:
            raise ValueError("the footer needs at least one slogan")
        self.prefix = f"[CCHC {year}]"
        self.slogans = list(slogans)
        self.env = Environment(
            loader=FileSystemLoader(templates),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=False,
            trim_blocks=False,
        )

    def slogan(self, key: str) -> str:
        """One of the plan's slogans, rotating with the mail's identity."""
        index = int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(self.slogans)
        return self.slogans[index]

    def render(
        self,
        kind: MailKind,
        context: Mapping[str, Any],
        *,
        key: str,
        attachments: Sequence[Attachment] = (),
    ) -> RenderedMail:
        values = {**context, "slogan": self.slogan(key)}
        subject = self.env.get_template(f"{kind.value}.subject.j2").render(values)
        subject = clean_header(f"{self.prefix} {subject}")
        values["subject"] = subject
        text = self.env.get_template(f"{kind.value}.txt.j2").render(values).strip() + "\n"
        html = self.env.get_template(f"{kind.value}.html.j2").render(values)
        return RenderedMail(subject=subject, text=text, html=html, attachments=tuple(attachments))
