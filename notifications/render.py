"""Renders a mail kind from its templates: subject, text and HTML (autoescaped) alternatives."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from domain.mail import Attachment, RenderedMail, clean_header
from notifications.content import MailKind

TEMPLATES = Path(__file__).with_name("templates")
REHEARSAL_PREFIX = "[DIỄN TẬP]"  # first in the subject of every mail of a rehearsal plan


@cache
def _environment(templates: Path) -> Environment:
    """One environment per template folder for the process: every plan's renderer shares
    its compiled templates (a sweep over twenty plans compiles each template once)."""
    return Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        auto_reload=False,  # templates ship with the code; no stat() per include
        keep_trailing_newline=False,
        trim_blocks=False,
    )


@cache
def _compiled(templates: Path, kind: MailKind) -> tuple[Template, Template, Template]:
    env = _environment(templates)
    subject, text, html = (
        env.get_template(f"{kind.value}.{part}.j2") for part in ("subject", "txt", "html")
    )
    return subject, text, html


class Renderer:
    """Turns (kind, context) into a RenderedMail; knows nothing about sending."""

    def __init__(
        self,
        *,
        year: int,
        slogans: Sequence[str],
        templates: Path = TEMPLATES,
        rehearsal: bool = False,
    ) -> None:
        if not slogans:
            raise ValueError("the footer needs at least one slogan")
        self.prefix = f"{REHEARSAL_PREFIX} [CCHC {year}]" if rehearsal else f"[CCHC {year}]"
        self.slogans = list(slogans)
        self.templates = templates

    def _templates(self, kind: MailKind) -> tuple[Template, Template, Template]:
        return _compiled(self.templates, kind)

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
        subject_t, text_t, html_t = self._templates(kind)
        subject = clean_header(f"{self.prefix} {subject_t.render(values)}")
        values["subject"] = subject
        text = text_t.render(values).strip() + "\n"
        html = html_t.render(values)
        return RenderedMail(subject=subject, text=text, html=html, attachments=tuple(attachments))
