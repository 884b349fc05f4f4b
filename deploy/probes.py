"""Probes of the running parts other than Prefect (SMTP, the portal over HTTP) and what
prefect.yaml declares, shared by `cchc up --check` and `cchc doctor`; the Prefect API's
probes are in services/prefect_adapter/probes.py.

Each probe answers with what is wrong (a short English phrase) or None when the part answers.
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import aiosmtplib
import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
PREFECT_YAML = ROOT / "prefect.yaml"


def expected_deployments(path: Path = PREFECT_YAML) -> dict[str, str]:
    """`<flow>/<deployment>` → work pool name, as prefect.yaml declares them (a deployment's
    name is unique per flow only: deadline-sweep/daily and backup/daily are two)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        f"{flow_name(path.parent, str(d['entrypoint']))}/{d['name']}": str(
            (d.get("work_pool") or {}).get("name", "")
        )
        for d in data.get("deployments") or []
    }


def flow_name(root: Path, entrypoint: str) -> str:
    """The name the flow at `entrypoint` (flows/sweep.py:deadline_sweep) registers under:
    its decorator's `name=`, else the function's name with hyphens, as Prefect makes it.
    Read from the source: nothing is imported."""
    file, function = entrypoint.split(":")
    tree = ast.parse((root / file).read_text(encoding="utf-8"), filename=file)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call):
                    for keyword in decorator.keywords:
                        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                            return str(keyword.value.value)
    return function.replace("_", "-")


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
