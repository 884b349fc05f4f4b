"""Settings from the environment (prefix CCHC_, nested with __), read when asked."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SmtpSettings(BaseModel):
    """SMTP transport; the password comes only from CCHC_MAIL__SMTP__PASSWORD."""

    host: str = "127.0.0.1"
    port: int = 1025
    username: str | None = None
    password: SecretStr | None = None
    use_tls: bool = False  # implicit TLS (port 465)
    start_tls: bool = False  # STARTTLS upgrade (port 587)
    timeout: float = 30.0


class MailSettings(BaseModel):
    backend: Literal["smtp", "file", "memory"] = "file"
    from_address: str = "vanphong@skhcn.example.invalid"
    from_name: str = "Văn phòng Sở Khoa học và Công nghệ"
    domain: str = "cchc.skhcn.example.invalid"  # right-hand side of every Message-ID
    file_dir: Path = Path("var/mail")
    smtp: SmtpSettings = SmtpSettings()
    office_start: time = time(7, 30)
    office_end: time = time(17, 0)
    batch_size: int = Field(default=100, ge=1)
    max_attempts: int = Field(default=8, ge=1)
    backoff_seconds: float = Field(default=60.0, gt=0)
    backoff_cap_seconds: float = Field(default=3600.0, gt=0)
    claim_lease_seconds: float = Field(default=600.0, gt=0)
    # Processes that build the messages (the MIME work) while delivery sends and records;
    # 0: delivery builds each message itself, one ahead of the send. Worth it where sending
    # costs less than building (the file sink, a fast local relay) and mails come in thousands.
    build_workers: int = Field(default=0, ge=0, le=16)
    # Where a rehearsal (DIỄN TẬP) plan's mail may go: domains, each with its subdomains;
    # CCHC_MAIL__REHEARSAL_DOMAINS='skhcn.example.invalid,quangngai.example.invalid' (or a JSON
    # list), '*' for every address. Unset: the domain of from_address only. A rehearsal mail
    # to anyone else is not sent and is marked failed with the reason.
    rehearsal_domains: Annotated[list[str] | None, NoDecode] = None

    @field_validator("rehearsal_domains", mode="before")
    @classmethod
    def _domain_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    def rehearsal_allowed(self) -> list[str]:
        """The domains a rehearsal plan's mail may go to ('*': all)."""
        if self.rehearsal_domains is not None:
            return self.rehearsal_domains
        return [self.from_address.rpartition("@")[2]]


class Account(BaseModel):
    """An Office or Director login; the hash comes from `cchc portal hash-password`."""

    role: Literal["office", "director"] = "office"
    name: str = ""
    password_hash: SecretStr


class PortalSettings(BaseModel):
    base_url: str = "http://127.0.0.1:8000"
    link_valid_days: int = Field(default=30, ge=1)  # a task's link works this long after due
    head_link_valid_days: int = Field(default=45, ge=1)  # a head's link, after issue
    upload_dir: Path = Path("var/uploads")  # outside any web root: files are served by id
    max_upload_mb: float = Field(default=20, gt=0)
    # e.g. CCHC_PORTAL__ACCOUNTS='{"vanphong": {"role": "office", "password_hash": "scrypt$…"}}'
    accounts: dict[str, Account] = Field(default_factory=dict)
    session_hours: float = Field(default=8, gt=0)  # the longest an Office session lives
    session_idle_minutes: float = Field(default=60, gt=0)  # ended after this long unused
    # Addresses of reverse proxies whose X-Forwarded-For / -Proto are believed (default none:
    # the client address is the connection's own), e.g. CCHC_PORTAL__TRUSTED_PROXIES='["10.0.0.5"]'
    trusted_proxies: list[str] = Field(default_factory=list)
    secure_cookies: bool | None = None  # None: Secure when base_url is https
    login_attempts: int = Field(default=5, ge=1)  # failures allowed per window, per client
    login_window_minutes: float = Field(default=15, gt=0)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


class StackSettings(BaseModel):
    """Where `cchc up` listens: loopback by default."""

    host: str = "127.0.0.1"
    prefect_port: int = 4200
    sink_port: int = 1025
    portal_port: int = 8000
    prefect_home: Path = Path("var/prefect")
    sink_dir: Path = Path("var/mail-sink")
    work_pool: str = "cchc-local"


class ReportSettings(BaseModel):
    """The consolidated report's own deadlines, in working days before UBND tỉnh's."""

    draft_days_before: int = Field(default=10, ge=1)  # the draft is ready by then
    decision_days_before: int = Field(default=2, ge=1)  # the Director has decided by then


class SigningSettings(BaseModel):
    """The Sở's certificate the final PDF is signed with (PKCS#12); none configured: the
    PDF goes unsigned and the Office is told."""

    p12_path: Path | None = None  # CCHC_SIGNING__P12_PATH
    passphrase: SecretStr | None = None  # CCHC_SIGNING__PASSPHRASE


class BackupSettings(BaseModel):
    """The PostgreSQL client programs `cchc backup` and `cchc restore` run: a name looked up
    on PATH or a path (e.g. CCHC_BACKUP__PG_DUMP=/usr/lib/postgresql/16/bin/pg_dump); where
    the nightly deployment backup/daily writes its archives and how many it keeps."""

    pg_dump: str = "pg_dump"
    pg_restore: str = "pg_restore"
    dir: Path = Path("var/backups")  # CCHC_BACKUP__DIR: best on another disk than var/
    keep: int = Field(default=14, ge=1)  # CCHC_BACKUP__KEEP: the newest nightly archives kept


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CCHC_", env_nested_delimiter="__", extra="ignore", env_file=None
    )

    database_url: str = "sqlite:///var/cchc.db"
    plan_path: Path = Path("plans/2025-skhcn-quang-ngai.yaml")
    units_path: Path = Path("plans/units.example.yaml")
    calendar_overrides_path: Path = Path("plans/calendar-overrides.yaml")
    actor: str = "cli"
    report_dir: Path = Path("var/reports")  # the consolidated report drafts (.docx, .md, .html)
    bpmn_dir: Path = Path("var/bpmn")  # each flow drawn as BPMN 2.0, linked from its artifact
    # A flow run silent this long after a heartbeat (every 30 s) lost its process: the
    # automation cchc-zombie-runs marks it Crashed and the reconciler runs it again.
    zombie_after_seconds: int = Field(default=90, ge=60)
    # Signs the units' portal links. The default only suits local development.
    secret_key: SecretStr = SecretStr("dev-only-change-me")
    mail: MailSettings = MailSettings()
    portal: PortalSettings = PortalSettings()
    stack: StackSettings = StackSettings()
    report: ReportSettings = ReportSettings()
    signing: SigningSettings = SigningSettings()
    backup: BackupSettings = BackupSettings()
