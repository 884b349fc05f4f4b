"""End to end in a real browser (Debian's chromium, headless): a unit opens its link from a
mail caught by the SMTP sink, fills the report form with a PDF, sees the receipt; the Office
logs in, accepts, and the task's cell turns green. Screenshots are kept as test artifacts."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ, FixedClock
from domain.plan import Plan
from domain.policy import Stage
from domain.task import TaskKey
from domain.units import UnitDirectory
from notifications.sink import start_sink
from portal.app import create_app
from services.accounts import hash_password
from services.bootstrap import bootstrap, delivery
from services.context import plan_context
from services.plans import load_plan
from services.settings import Account, MailSettings, PortalSettings, Settings, SmtpSettings
from services.tasks import assign
from storage.migrate import upgrade
from tests.integration.portal_kit import served
from tests.smtp_server import free_port

CHROMIUM = os.environ.get("CCHC_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("CCHC_TEST_ARTIFACTS", "out/test-artifacts"))
KEY = TaskKey("iso-training", "TDC", Stage.REPORT)  # opens 8/7/2025, due 14/7/2025
PASSWORD = "mật-khẩu-văn-phòng"


def _browser_or_skip() -> str:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return CHROMIUM
    reason = f"no chromium at {CHROMIUM} (apt-get install chromium); .ci/run installs it"
    if os.environ.get("CCHC_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CCHC_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def site(
    tmp_path: Path, plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> Iterator[tuple[str, Path, FixedClock]]:
    mail_dir, port, smtp = tmp_path / "sink", free_port(), free_port()
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        mail=MailSettings(backend="smtp", smtp=SmtpSettings(port=smtp)),
        portal=PortalSettings(
            base_url=f"http://127.0.0.1:{port}",
            upload_dir=tmp_path / "uploads",
            accounts={"vanphong": Account(role="office", password_hash=hash_password(PASSWORD))},
        ),
    )
    clock = FixedClock(datetime(2025, 7, 9, 8, 0, tzinfo=LOCAL_TZ))
    app = bootstrap(settings, clock=clock)
    with app.uow() as uow:
        load_plan(uow, plan=plan, directory=directory, calendar=calendar, at=clock.now(), actor="t")
    ctx = plan_context(plan.code, app)
    with app.uow() as uow:
        assign(uow, ctx.mailer, [KEY], now=clock.now())
    sink = start_sink(mail_dir, port=smtp)
    asyncio.run(delivery(app).run())
    try:
        with served(create_app(settings, clock=clock), port) as base:
            yield base, mail_dir, clock
    finally:
        sink.stop()
        app.close()


def _link_in_mail(mail_dir: Path) -> str:
    [eml] = sorted(mail_dir.glob("*.eml"))
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"http://127\.0\.0\.1:\d+/t/[\w.-]+", body.get_content())
    assert found, "no portal link in the assignment mail"
    return found.group(0)


def test_a_unit_reports_in_the_browser_and_the_office_accepts(
    site: tuple[str, Path, FixedClock], tmp_path: Path
) -> None:
    executable = _browser_or_skip()
    from playwright.sync_api import sync_playwright

    base, mail_dir, _clock = site
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = tmp_path / "bao-cao-tap-huan.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
        page.goto(_link_in_mail(mail_dir))
        assert "Phòng Quản lý Tiêu chuẩn Đo lường Chất lượng" in page.content()
        page.fill("#content", "Đã tổ chức 2 lớp tập huấn ISO 9001 cho 60 công chức")
        page.fill("#count_trainings", "2")
        page.fill("#count_participants", "60")
        page.set_input_files("#file_1", str(pdf))
        page.fill("input[name=file_1_desc]", "Biên bản lớp tập huấn")
        page.fill("#difficulties", "Kinh phí hạn chế")
        page.screenshot(path=str(ARTIFACTS / "task-page.png"), full_page=True)
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "Đã nhận kết quả"
        assert "kèm 1 tệp" in page.content()

        page.goto(f"{base}/office/login")
        page.fill("#username", "vanphong")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        cell = page.locator(f'a[data-task="{KEY}"]')
        assert cell.get_attribute("class") == "cell b-review"
        cell.click()
        assert "bao-cao-tap-huan.pdf" in page.content()
        page.click("#accept")
        assert "Đã chấp nhận kết quả" in page.content()
        page.goto(f"{base}/office")
        assert page.locator(f'a[data-task="{KEY}"]').get_attribute("class") == "cell b-done_on_time"
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        browser.close()
    assert (ARTIFACTS / "task-page.png").stat().st_size > 10_000
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
