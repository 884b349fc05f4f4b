"""`cchc doctor` on the signing certificate: none configured is skipped, a usable one names
its holder, an expired one or a wrong passphrase fails with a fix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from cli.doctor_cmd import certificate
from documents.report.demo_certificate import make_demo_certificate
from services.settings import Settings, SigningSettings


def settings_with(folder: Path, *, made_at: datetime, passphrase: str) -> Settings:
    made = make_demo_certificate(
        folder, signer_name="Nguyễn Văn An", organization="Sở KH&CN", at=made_at, passphrase=b"pw"
    )
    signing = SigningSettings(p12_path=made.p12, passphrase=SecretStr(passphrase))
    return Settings().model_copy(update={"signing": signing})


def test_each_state_of_the_certificate(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    assert certificate(Settings()).ok is None
    good = certificate(settings_with(tmp_path / "a", made_at=now, passphrase="pw"))
    assert (good.ok, good.detail.split(",")[0]) == (True, "Nguyễn Văn An")
    old = now - timedelta(days=3 * 365)
    expired = certificate(settings_with(tmp_path / "b", made_at=old, passphrase="pw"))
    assert expired.ok is False
    assert "expired" in expired.detail
    assert expired.fix
    wrong = certificate(settings_with(tmp_path / "c", made_at=now, passphrase="nope"))
    assert wrong.ok is False
    assert "passphrase" in wrong.detail
