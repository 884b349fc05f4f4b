"""`cchc doctor` as an operator runs it: a real process, real SQLite files, a real SMTP server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from storage.migrate import upgrade
from tests.smtp_server import SmtpServer, free_port

CCHC = str(Path(sys.executable).with_name("cchc"))


def doctor(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """`cchc doctor` with only the given settings: no Prefect API, no portal listening."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CCHC_", "PREFECT_"))  # neither this shell's nor a harness's
    }
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),  # no profile naming an API either
        "CCHC_DATABASE_URL": f"sqlite:///{tmp_path / 'cchc.db'}",
        "CCHC_MAIL__BACKEND": "file",
        "CCHC_PORTAL__BASE_URL": f"http://127.0.0.1:{free_port()}",
        "CCHC_BACKUP__DIR": str(tmp_path / "backups"),
        **settings,
    }
    return subprocess.run(
        [CCHC, "doctor"], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def line(output: str, start: str) -> str:
    [found] = [row for row in output.splitlines() if row.startswith(start)]
    return found


def test_a_migrated_database_without_prefect_passes_the_database_and_fails_prefect(
    tmp_path: Path,
) -> None:
    upgrade(f"sqlite:///{tmp_path / 'cchc.db'}")
    result = doctor(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert line(result.stdout, "✓ database:")
    assert line(result.stdout, "✓ migrations:")
    assert "PREFECT_API_URL is not set" in line(result.stdout, "✗ Prefect API:")
    assert "    fix: export PREFECT_API_URL=http://127.0.0.1:4200/api" in result.stdout
    assert line(result.stdout, "– work pool cchc-local:").endswith("no Prefect API to ask")
    assert line(result.stdout, "– mail:").startswith("– mail: backend is file")
    assert "fix: start it: `cchc portal --port" in result.stdout
    assert line(result.stdout, "– Signing certificate:").endswith("the final PDF goes unsigned")
    assert (
        line(result.stdout, "! backups:")
        == f"! backups: no nightly archive in {tmp_path / 'backups'}"
    )
    assert "    fix: is the deployment backup/daily scheduled" in result.stdout
    libreoffice = shutil.which("soffice") is not None  # the one check this machine decides
    summary = f"{2 + libreoffice} passed, {3 - libreoffice} failed, 5 skipped, 1 warning"
    assert result.stdout.rstrip().endswith(summary)


def test_an_outdated_database_is_told_to_run_db_upgrade(tmp_path: Path) -> None:
    upgrade(f"sqlite:///{tmp_path / 'cchc.db'}", "0004")
    result = doctor(tmp_path)
    assert result.returncode == 1
    assert line(result.stdout, "✓ database:")
    assert "is at migration 0004" in line(result.stdout, "✗ migrations:")
    assert "    fix: cchc db upgrade" in result.stdout


def test_a_missing_database_file_is_told_to_run_db_upgrade(tmp_path: Path) -> None:
    result = doctor(tmp_path)
    assert result.returncode == 1
    assert "does not exist" in line(result.stdout, "✗ database:")
    assert "    fix: cchc db upgrade" in result.stdout
    assert line(result.stdout, "– migrations:")
    assert not (tmp_path / "cchc.db").exists()  # a diagnosis creates nothing


@pytest.mark.parametrize("listening", [True, False], ids=["server-up", "server-down"])
def test_the_smtp_backend_is_checked_against_the_configured_server(
    tmp_path: Path, listening: bool
) -> None:
    upgrade(f"sqlite:///{tmp_path / 'cchc.db'}")
    server = SmtpServer()
    if listening:
        server.start()
    try:
        result = doctor(tmp_path, CCHC_MAIL__BACKEND="smtp", CCHC_MAIL__SMTP__PORT=str(server.port))
    finally:
        server.stop()
    if listening:
        assert line(result.stdout, "✓ mail:") == (
            f"✓ mail: SMTP 127.0.0.1:{server.port} answers EHLO"
        )
    else:
        assert "does not answer SMTP" in line(result.stdout, "✗ mail:")
        assert f"`cchc mail-sink --port {server.port}`" in result.stdout


def test_libreoffice_on_path_is_found(tmp_path: Path) -> None:
    if (soffice := shutil.which("soffice")) is None:
        pytest.skip("LibreOffice (soffice) is not installed on this machine")
    result = doctor(tmp_path)
    assert line(result.stdout, "✓ LibreOffice:") == f"✓ LibreOffice: soffice at {soffice}"


def test_a_missing_libreoffice_is_told_its_package(tmp_path: Path) -> None:
    result = doctor(tmp_path, PATH=str(tmp_path / "no-programs-here"))
    assert result.returncode == 1
    assert line(result.stdout, "✗ LibreOffice:") == "✗ LibreOffice: soffice is not on PATH"
    assert "    fix: apt-get install libreoffice-writer-nogui" in result.stdout
