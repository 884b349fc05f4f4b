"""The unit head's page behind its own signed link: the unit's tasks only, refusals in
Vietnamese, and the report of difficulties recorded and mailed once per form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from domain.clock import LOCAL_TZ
from domain.units import UnitDirectory
from services.context import PlanContext
from services.report_data import build_report_data
from storage.tables import AuditRow, OutboxRow
from storage.uow import session_of
from tests.integration.conftest import World
from tests.integration.portal_kit import PLAN_KEY, link, login, portal_client, rows

UNIT = "TDC"
TODAY = date(2025, 4, 8)  # portal_client's clock
NOW = datetime(2025, 4, 8, 10, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    with portal_client(world, tmp_path / "uploads") as client:
        yield client


def head_link(world: World, unit: str = UNIT, *, issued_on: date = TODAY) -> str:
    url = world.mailer.links.unit_url(unit, plan=world.plan.code, issued_on=issued_on)
    return url.removeprefix(world.mailer.links.base_url)


def task_count(world: World, unit: str) -> int:
    with world.app.uow() as uow:
        return len(uow.tasks.find(plan=world.plan.code, unit=unit))


def other_unit(world: World) -> str:
    """A unit other than UNIT that has tasks in the plan."""
    with world.app.uow() as uow:
        units = {t.key.unit for t in uow.tasks.find(plan=world.plan.code)}
    return sorted(units - {UNIT})[0]


def unit_name(world: World, code: str) -> str:
    found = world.mailer.directory.unit(code)
    assert found is not None
    return found.name


def nonce_of(page: str) -> str:
    found = re.search(r'name="nonce" value="([^"]+)"', page)
    assert found, "no nonce on the head's page"
    return found.group(1)


def difficulties(world: World) -> tuple[list[AuditRow], list[OutboxRow]]:
    with world.app.uow() as uow:
        session = session_of(uow)
        audit = list(session.scalars(select(AuditRow).where(AuditRow.action == "unit.difficulty")))
        mails = list(session.scalars(select(OutboxRow).where(OutboxRow.kind == "unit_difficulty")))
        session.expunge_all()
    return audit, mails


def test_the_heads_link_lists_exactly_the_units_tasks(world: World, client: TestClient) -> None:
    page = client.get(head_link(world))
    assert page.status_code == 200
    assert page.text.count('class="unit-task"') == task_count(world, UNIT) > 0
    assert unit_name(world, UNIT) in page.text
    assert "Hình thức tuyên truyền: " in page.text
    assert "Đang thực hiện trong hạn" in page.text
    assert "10/04/2025" in page.text  # the plan stage of ISO training is due then
    assert "Báo cáo khó khăn, vướng mắc" in page.text
    assert 'for="to_director"' in page.text
    assert 'style="' not in page.text


def test_the_page_shows_what_the_unit_handed_in(world: World, client: TestClient) -> None:
    answer = client.post(link(world, PLAN_KEY), data={"content": "Mở 2 lớp tập huấn ISO"})
    assert answer.status_code == 200
    page = client.get(head_link(world))
    assert "Lần 1" in page.text
    assert "Mở 2 lớp tập huấn ISO" in page.text


def test_another_units_link_shows_only_that_unit(world: World, client: TestClient) -> None:
    other = other_unit(world)
    page = client.get(head_link(world, other))
    assert page.status_code == 200
    assert page.text.count('class="unit-task"') == task_count(world, other)
    assert unit_name(world, other) in page.text
    assert unit_name(world, UNIT) not in page.text


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        (lambda w: link(w).replace("/t/", "/u/"), 403, "Đường dẫn không hợp lệ"),
        (lambda w: head_link(w)[:-3] + "xyz", 403, "Đường dẫn không hợp lệ"),
        (lambda w: head_link(w, issued_on=date(2025, 2, 1)), 410, "Đường dẫn đã hết hạn"),
        (lambda w: head_link(w).replace("/u/", "/t/"), 403, "Đường dẫn không hợp lệ"),
    ],
    ids=["task-token-as-unit", "forged", "expired", "unit-token-as-task"],
)
def test_refused_links_show_a_vietnamese_page(
    world: World, client: TestClient, path: object, status: int, title: str
) -> None:
    before = rows(world)
    page = client.get(path(world))  # type: ignore[operator]
    assert page.status_code == status
    assert title in page.text
    posted = client.post(path(world), data={"difficulties": "x", "nonce": "n"})  # type: ignore[operator]
    assert posted.status_code == status
    assert rows(world) == before


def test_a_difficulty_is_recorded_and_mailed_once_per_form(
    world: World, client: TestClient
) -> None:
    url = head_link(world)
    form = {"difficulties": "Thiếu kinh phí in tờ rơi", "nonce": nonce_of(client.get(url).text)}
    first = client.post(url, data=form)
    again = client.post(url, data=form)
    assert first.status_code == again.status_code == 200
    assert "Đã gửi báo cáo khó khăn, vướng mắc" in first.text
    audit, mails = difficulties(world)
    assert len(audit) == len(mails) == 1
    [entry], [mail] = audit, mails
    assert entry.entity == "unit"
    assert entry.entity_key == f"{world.plan.code}:{UNIT}"
    assert entry.reason == "Thiếu kinh phí in tờ rơi"
    assert entry.new == {"to_director": False}
    assert mail.recipients["cc"] == []
    assert mail.recipients["to"]
    assert f"{unit_name(world, UNIT)} báo cáo khó khăn, vướng mắc" in mail.subject
    assert "Thiếu kinh phí in tờ rơi" in mail.body_text
    assert "Thiếu kinh phí in tờ rơi" in client.get(url).text  # listed as reported


def test_the_director_is_in_copy_only_when_asked(world: World, client: TestClient) -> None:
    url = head_link(world)
    for text, ask in (("Chưa có tài liệu", False), ("Cần chỉ đạo phối hợp", True)):
        data = {"difficulties": text, "nonce": nonce_of(client.get(url).text)}
        client.post(url, data={**data, "to_director": "1"} if ask else data)
    audit, mails = difficulties(world)
    directors = [r.email for r in world.mailer.directory.recipients if r.role == "director"]
    assert directors
    copied = {m.body_text.count("Cần chỉ đạo"): m.recipients["cc"] for m in mails}
    assert [email for _name, email in copied[1]] == directors
    assert copied[0] == []
    assert sorted(bool(a.new and a.new["to_director"]) for a in audit) == [False, True]
    asked = [m.subject for m in mails if m.recipients["cc"]]
    assert len(asked) == 1
    assert "(đề nghị báo cáo Giám đốc Sở)" in asked[0]


def test_an_empty_report_is_refused_and_nothing_is_recorded(
    world: World, client: TestClient
) -> None:
    url = head_link(world)
    before = rows(world)
    answer = client.post(url, data={"difficulties": "  ", "nonce": "abc"})
    assert answer.status_code == 400
    assert "Cần ghi nội dung khó khăn, vướng mắc" in answer.text
    assert rows(world) == before


def test_the_office_prints_a_heads_link_that_opens_the_page(
    world: World, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from cli.main import app as cli

    monkeypatch.setenv("CCHC_DATABASE_URL", world.app.settings.database_url)
    printed = CliRunner().invoke(cli, ["units", "head-link", UNIT, "--plan", world.plan.code])
    assert printed.exit_code == 0, printed.output
    url = printed.stdout.strip()
    assert url.startswith(f"{world.mailer.links.base_url}/u/")
    page = client.get(url.removeprefix(world.mailer.links.base_url))
    assert page.status_code == 200
    assert unit_name(world, UNIT) in page.text
    unknown = CliRunner().invoke(cli, ["units", "head-link", "XYZ", "--plan", world.plan.code])
    assert unknown.exit_code == 1
    assert "'XYZ' is not in the directory" in unknown.output


def test_a_difficulty_reaches_the_office_dashboard_and_the_years_report(
    world: World, client: TestClient, directory: UnitDirectory
) -> None:
    empty = build_report_data(PlanContext(world.app, world.plan, directory, world.mailer), now=NOW)
    url = head_link(world)
    text = "Thiếu kinh phí in tờ rơi\nChưa có cán bộ phụ trách trang tin"
    form = {"difficulties": text, "nonce": nonce_of(client.get(url).text), "to_director": "1"}
    assert client.post(url, data=form).status_code == 200
    login(client)
    dashboard = client.get(f"/office?plan={world.plan.code}").text
    listed = dashboard.split('id="difficulties"')[1]
    assert unit_name(world, UNIT) in listed
    assert "Thiếu kinh phí in tờ rơi" in listed
    assert "(đồng gửi Giám đốc Sở)" in listed
    data = build_report_data(PlanContext(world.app, world.plan, directory, world.mailer), now=NOW)
    added = [c for c in data.causes if c not in empty.causes]
    assert [(c.text, c.units) for c in added] == [
        ("Thiếu kinh phí in tờ rơi", [unit_name(world, UNIT)]),
        ("Chưa có cán bộ phụ trách trang tin", [unit_name(world, UNIT)]),
    ]


def test_the_dashboard_says_when_no_head_reported_a_difficulty(
    world: World, client: TestClient
) -> None:
    login(client)
    dashboard = client.get(f"/office?plan={world.plan.code}").text
    assert "Chưa có đơn vị nào báo cáo khó khăn, vướng mắc." in dashboard
