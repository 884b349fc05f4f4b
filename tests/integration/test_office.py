"""The Office pages: login, the progress matrix, decisions on a task with their audit trail,
and the Director's review of the report draft."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from domain.clock import LOCAL_TZ
from domain.policy import Stage
from domain.report_draft import DraftState, ReportDraft
from domain.task import TaskKey, TaskState
from storage.tables import AuditRow, OutboxRow, ReportDraftRow
from storage.uow import session_of
from tests.integration.conftest import World
from tests.integration.portal_kit import (
    DIRECTOR_PASSWORD,
    PLAN_KEY,
    csrf_of,
    link,
    login,
    office_post,
    portal_client,
    rows,
    task_id,
)


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    with portal_client(world, tmp_path / "uploads") as client:
        yield client


def submitted(world: World, client: TestClient) -> int:
    assert client.post(link(world), data={"content": "Kế hoạch mở 2 lớp"}).status_code == 200
    return task_id(world, PLAN_KEY)


def outbox(world: World) -> list[OutboxRow]:
    with world.app.uow() as uow:
        return list(session_of(uow).scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_office_pages_need_a_login(world: World, client: TestClient) -> None:
    for path in ("/office", f"/office/task/{task_id(world, PLAN_KEY)}", "/director"):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/office/login"
    wrong = client.post(
        "/office/login",
        data={"csrf": csrf_of(client, "/office/login"), "username": "vanphong", "password": "x"},
    )
    assert wrong.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in wrong.text
    login(client)
    assert client.get("/office").status_code == 200


def test_the_session_cookie_is_http_only_and_strict(world: World, tmp_path: Path) -> None:
    with portal_client(world, tmp_path, base_url="https://cchc.example.vn") as client:
        cookie = client.get("/office/login").headers["set-cookie"]
    assert "httponly" in cookie.lower()
    assert "samesite=strict" in cookie.lower()
    assert "secure" in cookie.lower()


def test_login_is_throttled_after_five_failures(world: World, client: TestClient) -> None:
    token = csrf_of(client, "/office/login")
    codes = [
        client.post(
            "/office/login", data={"csrf": token, "username": "vanphong", "password": f"x{i}"}
        ).status_code
        for i in range(6)
    ]
    assert codes == [401] * 5 + [429]
    blocked = client.post(
        "/office/login",
        data={"csrf": token, "username": "vanphong", "password": "mật-khẩu-văn-phòng"},
    )
    assert blocked.status_code == 429  # even the right password waits out the window
    assert "thử lại sau" in blocked.text


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    world: World, client: TestClient
) -> None:
    tid = submitted(world, client)
    login(client)
    before = rows(world)
    for data in ({}, {"csrf": "sai"}):
        answer = client.post(f"/office/task/{tid}/accept", data=data)
        assert answer.status_code == 403
        assert "Phiên làm việc không hợp lệ" in answer.text
    assert rows(world) == before


def test_the_dashboard_colours_each_cell_and_filters(world: World, client: TestClient) -> None:
    submitted(world, client)
    login(client)
    page = client.get("/office").text
    assert 'class="cell b-review" data-task="iso-training/TDC/plan#1"' in page
    assert 'data-task="bulletins/CDS/plan#1"' in page
    only = client.get("/office", params={"unit": "TDC", "activity": "iso-training"}).text
    assert 'data-task="iso-training/TDC/plan#1"' in only
    assert 'data-task="bulletins/CDS/plan#1"' not in only
    world.clock.set(datetime(2025, 6, 2, 9, 0, tzinfo=LOCAL_TZ))
    assert client.get("/office").status_code == 303  # two months idle: the session ended
    login(client)
    overdue = client.get("/office", params={"bucket": "overdue"}).text
    assert 'class="cell b-overdue"' in overdue
    assert 'class="cell b-review"' not in overdue
    assert 'class="cell b-in_progress"' not in overdue


def test_accepting_turns_the_cell_green_and_is_audited(world: World, client: TestClient) -> None:
    tid = submitted(world, client)
    login(client)
    answer = office_post(client, f"/office/task/{tid}/accept")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert (
        'class="cell b-done_on_time" data-task="iso-training/TDC/plan#1"'
        in client.get("/office").text
    )
    page = client.get(f"/office/task/{tid}").text
    assert "office:vanphong" in page
    assert "<td>Chấp nhận kết quả</td>" in page  # the audit trail in words, not keys
    assert "tình trạng: Đã được chấp nhận" in page
    assert "task.accepted" not in page


def test_returning_needs_a_reason_and_mails_the_unit(world: World, client: TestClient) -> None:
    tid = submitted(world, client)
    login(client)
    refused = office_post(client, f"/office/task/{tid}/return", reason=" ")
    assert refused.status_code == 400  # type: ignore[attr-defined]
    office_post(client, f"/office/task/{tid}/return", reason="Thiếu thời gian từng lớp")
    assert [m.kind for m in outbox(world)][-1] == "returned"
    assert "Thiếu thời gian từng lớp" in outbox(world)[-1].body_text
    with world.app.uow() as uow:
        [task] = [t for t in uow.tasks.find(plan=world.plan.code) if t.key == PLAN_KEY]
    assert task.state is TaskState.RETURNED


def test_an_extension_records_old_and_new_dates(world: World, client: TestClient) -> None:
    tid = task_id(world, PLAN_KEY)
    login(client)
    office_post(client, f"/office/task/{tid}/extend", due_on="2025-04-18", reason="Đơn vị xin")
    with world.app.uow() as uow:
        [entry] = uow.audit.entries(entity="task", key=str(PLAN_KEY))[-1:]
    assert (entry.action, entry.actor, entry.reason) == (
        "task.extended",
        "office:vanphong",
        "Đơn vị xin",
    )
    assert (entry.old, entry.new) == ({"due_on": "2025-04-10"}, {"due_on": "2025-04-18"})
    page = client.get(f"/office/task/{tid}").text
    assert "<td>hạn: 10/04/2025</td><td>hạn: 18/04/2025</td>" in page
    assert "due_on=" not in page


def test_reassigning_moves_the_work_and_the_link(world: World, client: TestClient) -> None:
    tid = task_id(world, PLAN_KEY)
    login(client)
    office_post(client, f"/office/task/{tid}/reassign", unit="CCTDC", reason="Chi cục làm")
    new_key = TaskKey("iso-training", "CCTDC", Stage.PLAN)
    new_id = task_id(world, new_key)
    with world.app.uow() as uow:
        states = {t.key: t.state for t in uow.tasks.find(plan=world.plan.code)}
    assert states[PLAN_KEY] is TaskState.CANCELLED
    assert states[new_key] is TaskState.OPEN
    mail = outbox(world)[-1]
    assert mail.kind == "task_assigned"
    assert mail.task_id == new_id
    assert client.get(link(world)).status_code == 200  # the old task shows as closed
    assert "Nhiệm vụ đã đóng" in client.get(link(world)).text
    assert client.get(link(world, new_key)).status_code == 200
    again = office_post(client, f"/office/task/{new_id}/reassign", unit="TDC", reason="x")
    assert again.status_code == 400  # type: ignore[attr-defined]


def test_delegating_sends_the_task_to_the_named_contact(world: World, client: TestClient) -> None:
    tid = task_id(world, PLAN_KEY)
    login(client)
    office_post(
        client,
        f"/office/task/{tid}/delegate",
        name="Trần Thị B",
        email="ttb@skhcn.example.invalid",
        reason="Chuyên viên phụ trách ISO",
    )
    mail = outbox(world)[-1]
    assert mail.recipients["to"][0] == ["Trần Thị B", "ttb@skhcn.example.invalid"]
    assert "Trần Thị B" in client.get(f"/office/task/{tid}").text


def test_a_revoked_link_stops_working_and_the_new_one_works(
    world: World, client: TestClient
) -> None:
    tid = task_id(world, PLAN_KEY)
    login(client)
    office_post(client, f"/office/task/{tid}/relink", reason="Thư bị chuyển nhầm")
    before = rows(world)
    old = client.post(link(world), data={"content": "x"})
    assert old.status_code == 410
    assert "Đường dẫn đã bị thu hồi" in old.text
    assert rows(world) == before
    mailed = outbox(world)[-1]
    assert mailed.kind == "task_assigned"
    [new_link] = re.findall(r"http://127\.0\.0\.1:8000(/t/[\w.-]+)", mailed.body_text)
    assert new_link != link(world)
    assert client.get(new_link).status_code == 200


def test_the_director_approves_or_returns_the_draft(world: World, client: TestClient) -> None:
    with world.app.uow() as uow:
        uow.drafts.save(
            ReportDraft(
                plan=world.plan.code,
                version=1,
                state=DraftState.DRAFT,
                content_hash="0" * 64,
                markdown="# Báo cáo",
                html="<h1>Báo cáo kết quả</h1>",
                created_at=world.clock.now(),
            )
        )
        uow.commit()
    login(client)  # the Office may read the draft but not decide
    assert "Báo cáo kết quả" in client.get("/director").text
    by_office = client.post("/director/1/approve", data={"csrf": csrf_of(client, "/director")})
    assert by_office.headers["location"] == "/office/login"  # not the Director: no decision
    assert "Chờ phê duyệt" in client.get("/director").text
    client.cookies.clear()
    login(client, "giamdoc", DIRECTOR_PASSWORD)
    refused = client.post(
        "/director/1/return", data={"csrf": csrf_of(client, "/director"), "comments": ""}
    )
    assert refused.status_code == 400
    client.post(
        "/director/1/return",
        data={"csrf": csrf_of(client, "/director"), "comments": "Bổ sung số liệu quý IV"},
    )
    with world.app.uow() as uow:
        draft = session_of(uow).scalars(select(ReportDraftRow)).one()
        audit = session_of(uow).scalars(select(AuditRow).where(AuditRow.entity == "report")).all()
    assert (draft.state, draft.comments, draft.decided_by) == (
        "returned",
        "Bổ sung số liệu quý IV",
        "director:giamdoc",
    )
    assert [a.action for a in audit] == ["report.returned"]


def test_link_expiry_follows_the_setting(world: World, tmp_path: Path) -> None:
    with portal_client(world, tmp_path, link_valid_days=1) as client:
        with world.app.uow() as uow:
            [task] = [t for t in uow.tasks.find(plan=world.plan.code) if t.key == PLAN_KEY]
        signer = client.app.state.portal.signer  # type: ignore[attr-defined]
        url = signer.task_url(task, plan=world.plan.code).removeprefix(signer.base_url)
        assert client.get(url).status_code == 200
        world.clock.set(datetime(2025, 4, 12, 9, 0, tzinfo=LOCAL_TZ))  # due 10/4 + 1 day
        assert client.get(url).status_code == 410
        assert (
            date(2025, 4, 11)
            == signer.read(url.removeprefix("/t/"), today=date(2025, 4, 11)).expires_on
        )
