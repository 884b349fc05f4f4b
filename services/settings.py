"""Settings from the environment (prefix CCHC_, nested with __), read when asked."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict


class MailSettings(BaseModel):
    backend: str = "file"
    from_address: str = "vanphong@skhcn.example.invalid"
    file_dir: Path = Path("var/mail")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CCHC_", env_nested_delimiter="__", extra="ignore", env_file=None
    )

    database_url: str = "sqlite:///var/cchc.db"
    plan_path: Path = Path("plans/2025-skhcn-quang-ngai.yaml")
    units_path: Path = Path("plans/units.example.yaml")
    calendar_overrides_path: Path = Path("plans/calendar-overrides.yaml")
    actor: str = "cli"
    mail: MailSettings = MailSettings()
