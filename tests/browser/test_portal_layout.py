"""The portal on a phone (390×844) and a laptop (1366×768): the unit's task page, the Office's
dashboard and the Director's draft never scroll sideways, read in a sans-serif face, show
where the keyboard is, label every field, meet WCAG AA contrast and say each status in words.
Full-page screenshots of each are kept as test artifacts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ, FixedClock
from domain.plan import Plan
from domain.policy import Stage
from domain.task import TaskKey
from domain.units import UnitDirectory
from portal.app import create_app
from services.accounts import hash_password
from services.bootstrap import bootstrap
from services.context import plan_context
from services.plans import load_plan
from services.report_draft import build_draft
from services.settings import Account, PortalSettings, Settings
from storage.migrate import upgrade
from tests.browser.test_portal_browser import ARTIFACTS, _browser_or_skip
from tests.integration.portal_kit import served
from tests.smtp_server import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

KEY = TaskKey("iso-training", "TDC", Stage.REPORT)  # opens 8/7/2025: the richest form
PASSWORDS = {"vanphong": "mật-khẩu-văn-phòng", "giamdoc": "mật-khẩu-giám-đốc"}
VIEWPORTS = [(390, 844), (1366, 768)]

# Each visible form control's id, and whether a <label for> names it.
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden')
  .filter(e => !e.id || !document.querySelector(`label[for="${CSS.escape(e.id)}"]`))
  .map(e => e.outerHTML.slice(0, 120))"""

# Every element holding text whose colour against the first opaque background behind it
# falls under WCAG AA (4.5:1; 3:1 for large text).
LOW_CONTRAST = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = e => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const e of document.body.querySelectorAll('*')) {
    const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!text || !e.getClientRects().length) continue;
    const style = getComputedStyle(e);
    const [a, b] = [lum(rgb(style.color)), lum(background(e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const px = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const large = px >= 24 || (bold && px >= 18.66);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${e.tagName}.${e.className} ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


@dataclass(frozen=True)
class Site:
    base: str
    task_link: str


@pytest.fixture
def site(
    tmp_path: Path, plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> Iterator[Site]:
    """A portal over a loaded plan on 9/7/2025, with an Office and a Director login and the
    consolidated report's draft waiting for the Director."""
    port = free_port()
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    upgrade(url)
    accounts = {
        name: Account(role=role, name=name, password_hash=hash_password(PASSWORDS[name]))
        for name, role in (("vanphong", "office"), ("giamdoc", "director"))
    }
    settings = Settings(
        database_url=url,
        report_dir=tmp_path / "reports",
        portal=PortalSettings(
            base_url=f"http://127.0.0.1:{port}",
            upload_dir=tmp_path / "uploads",
            accounts=accounts,
        ),
    )
    clock = FixedClock(datetime(2025, 7, 9, 8, 0, tzinfo=LOCAL_TZ))
    app = bootstrap(settings, clock=clock)
    with app.uow() as uow:
        load_plan(uow, plan=plan, directory=directory, calendar=calendar, at=clock.now(), actor="t")
    ctx = plan_context(plan.code, app)
    build_draft(ctx, now=clock.now(), folder=settings.report_dir)
    token = ctx.mailer.links.token(
        unit=KEY.unit, task=str(KEY), expires_on=date(2025, 8, 30), plan=plan.code, generation=1
    )
    try:
        with served(create_app(settings, clock=clock), port) as base:
            yield Site(base=base, task_link=f"{base}/t/{token}")
    finally:
        app.close()


def _login(page: Page, base: str, user: str) -> None:
    page.goto(f"{base}/office/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORDS[user])
    page.click("button[type=submit]")


def _check(page: Page, name: str, size: tuple[int, int], focus: str) -> None:
    width, height = size
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"), full_page=True)
    scroll = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]"
    )
    assert scroll[0] <= scroll[2], f"{name}: the page scrolls sideways {scroll}"
    assert scroll[1] <= scroll[2], f"{name}: the body scrolls sideways {scroll}"
    font = page.evaluate("() => getComputedStyle(document.body).fontFamily")
    assert "Times" not in font, font
    assert font.split(",")[-1].strip() == "sans-serif", font
    assert page.evaluate(UNLABELLED) == [], f"{name}: fields without <label for>"
    assert page.evaluate(LOW_CONTRAST) == [], f"{name}: text under WCAG AA contrast"
    page.focus(focus)
    outline = page.eval_on_selector(
        focus,
        "e => [getComputedStyle(e).outlineStyle, parseFloat(getComputedStyle(e).outlineWidth)]",
    )
    assert outline[0] != "none", f"{name}: {focus} focused shows {outline}"
    assert outline[1] >= 2, f"{name}: {focus} focused shows {outline}"


def _open(browser: Browser, size: tuple[int, int]) -> Page:
    return browser.new_page(viewport={"width": size[0], "height": size[1]}, locale="vi-VN")


def _pages(browser: Browser, site: Site, size: tuple[int, int]) -> None:
    unit = _open(browser, size)
    unit.goto(site.task_link)
    assert unit.locator("#content").is_visible()
    _check(unit, "task", size, "#content")
    unit.close()

    office = _open(browser, size)
    _login(office, site.base, "vanphong")
    _check(office, "dashboard", size, "#unit")
    cells = office.locator("a.cell")
    assert cells.count() > 0
    assert all(text.strip() for text in cells.all_inner_texts())  # the bucket in words
    box = office.eval_on_selector("#matrix", "t => getComputedStyle(t.parentElement).overflowX")
    assert box == "auto"  # the matrix scrolls inside its own box
    office.close()

    director = _open(browser, size)
    _login(director, site.base, "giamdoc")
    director.goto(f"{site.base}/director")
    assert director.locator("#approve").is_visible()
    _check(director, "director", size, "#comments")
    director.close()


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_pages_fit_a_phone_and_a_laptop_and_stay_readable(
    site: Site, size: tuple[int, int]
) -> None:
    executable = _browser_or_skip()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            _pages(browser, site, size)
        finally:
            browser.close()
    for name in ("task", "dashboard", "director"):
        assert (ARTIFACTS / f"{name}-{size[0]}x{size[1]}.png").stat().st_size > 10_000


def test_every_colour_of_the_dashboard_has_its_initials() -> None:
    from portal.office_routes import COLOURS, SHORT

    assert SHORT.keys() == COLOURS.keys()
    assert len(set(SHORT.values())) == len(SHORT)
