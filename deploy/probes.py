"""Probes of the running parts other than Prefect (SMTP, the portal over HTTP) and what
prefect.yaml declares, shared by `cchc up --check` and `cchc doctor`; the Prefect API's
probes are in services/prefect_adapter/probes.py.

Each probe answers with what is wrong (a short English phrase) or None when the part answers.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosmtplib
import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
PREFECT_YAML = ROOT / "prefect.yaml"


def expected_deployments(path: Path = PREFECT_YAML) -> dict[str, str]:
    """Deployment name → work pool name, as prefect.yaml declares them."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        str(d["name"]): str((d.get("work_pool") or {}).get("name", ""))
        for d in data.get("deployments") or []
    }


def smtp_problem(
    host: str, port: int, *, use_tls: bool = False, start_tls: bool = False, timeout: float = 5
) -> str | None:
    """Connect, EHLO (and STARTTLS or implicit TLS when configured), QUIT."""

    async def probe() -> None:
        client = aiosmtplib.SMTP(
            hostname=host, port=port, use_tls=use_tls, start_tls=start_tls, timeout=timeout
        )
        await client.connect()
        try:
            await client.ehlo()
        finally:
            await client.quit()

    try:
        asyncio.run(probe())
    except (aiosmtplib.SMTPException, OSError) as exc:
        return f"{host}:{port} does not answer SMTP ({_short(exc)})"
    return None


def http_problem(url: str, *, timeout: float = 5) -> str | None:
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        return f"{url} does not answer ({_short(exc)})"
    if not response.is_success:
        return f"{url} answered {response.status_code}"
    return None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text and text[0] else type(exc).__name__
