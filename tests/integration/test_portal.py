"""The unit portal over HTTP: the link in the mail, the forms, and every refusal in Vietnamese."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from domain.clock import LOCAL_TZ
from domain.policy import Stage
from domain.task import TaskKey, TaskState
from portal.app import create_app
from storage.tables import AuditRow, OutboxRow, SubmissionRow
from storage.uow import session_of
from tests.integration.conftest import World

KEY = TaskKey("iso-training", "TDC", Stage.PLAN)  # due Thursday 10/4/2025


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    world.clock.set(datetime(2025, 4, 8, 9, 0, tzinfo=LOCAL_TZ))
    with TestClient(create_app(world.app.settings, clock=world.clock)) as client:
        yield client


def link(
    world: World, key: TaskKey = KEY, *, unit: str | None = None, expires: date = date(2025, 5, 10)
) -> str:
    token = world.mailer.links.token(
        unit=unit or key.unit, task=str(key), expires_on=expires, plan=world.plan.code
    )
    return f"/t/{token}"


def rows(world: World) -> dict[str, int]:
    with world.app.uow() as uow:
        return {
            t.__tablename__: session_of(uow).scalar(select(func.count()).select_from(t)) or 0
            for t in (SubmissionRow, OutboxRow, AuditRow)
        }


def test_the_link_in_the_mail_opens_the_task(world: World, client: TestClient) -> None:
    with world.app.uow() as uow:
        task = next(t for t in uow.tasks.find(plan=world.plan.code) if t.key == KEY)
    mailed = world.mailer.task_context(task, today=date(2025, 4, 8))["link"]
    page = client.get(mailed.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert "Phòng Quản lý Tiêu chuẩn Đo lường Chất lượng" in page.text
    assert "thứ Năm, 10/04/2025" in page.text
    assert "còn 2 ngày làm việc" in page.text
    assert "Kế hoạch thực hiện: các hoạt động dự kiến" in page.text


def test_a_submission_is_committed_acknowledged_and_receipted(
    world: World, client: TestClient
) -> None:
    answer = client.post(
        link(world), data={"content": "Mở 2 lớp tập huấn ISO", "responsible": "Nguyễn Văn A"}
    )
    assert answer.status_code == 200
    assert "Đã nhận kết quả" in answer.text
    assert "lần gửi thứ 1" in answer.text
    with world.app.uow() as uow:
        [task] = [t for t in uow.tasks.find(plan=world.plan.code) if t.key == KEY]
        kinds = [r.kind for r in session_of(uow).scalars(select(OutboxRow))]
    assert task.state is TaskState.SUBMITTED
    assert kinds == ["submission_receipt"]
    again = client.post(link(world), data={"content": "Bổ sung: 3 lớp"})
    assert "lần gửi thứ 2" in again.text  # amended before the due date; both versions kept
    page = client.get(link(world))
    assert "Mở 2 lớp tập huấn ISO" in page.text
    assert "Bổ sung: 3 lớp" in page.text


def test_amendments_close_at_the_due_date(world: World, client: TestClient) -> None:
    client.post(link(world), data={"content": "Kế hoạch"})
    world.clock.set(datetime.combine(date(2025, 4, 11), time(9), LOCAL_TZ))
    before = rows(world)
    late = client.post(link(world), data={"content": "Sửa muộn"})
    assert late.status_code == 400
    assert "không nhận thêm kết quả" in late.text
    assert "Nhiệm vụ đã đóng" in client.get(link(world)).text
    assert rows(world) == before


@pytest.mark.parametrize(
    ("make", "status", "words"),
    [
        (lambda w: link(w)[:-3] + "xyz", 403, "Đường dẫn không hợp lệ"),
        (lambda w: link(w, expires=date(2025, 4, 1)), 410, "Đường dẫn đã hết hạn"),
        (lambda w: link(w, unit="VP"), 403, "không dành cho đơn vị này"),
        (lambda w: link(w, TaskKey("iso-training", "TDC", Stage.PLAN, 9)), 404, "Không tìm thấy"),
        (lambda w: "/t/..%2F..%2Fetc%2Fpasswd", 404, "Không tìm thấy"),
    ],
    ids=["forged", "expired", "another-unit", "no-such-task", "traversal"],
)
def test_bad_links_get_a_vietnamese_page_and_write_nothing(
    world: World, client: TestClient, make: object, status: int, words: str
) -> None:
    url = make(world)  # type: ignore[operator]
    before = rows(world)
    assert client.get(url).status_code == status
    answer = client.post(url, data={"content": "x"})
    assert answer.status_code == status
    assert words in answer.text
    assert 'lang="vi"' in answer.text
    assert rows(world) == before


def test_bad_input_is_refused_with_the_reason_and_nothing_written(
    world: World, client: TestClient
) -> None:
    before = rows(world)
    empty = client.post(link(world), data={"content": "   "})
    assert empty.status_code == 400
    assert "Nội dung: không được để trống" in empty.text
    report = TaskKey("iso-training", "TDC", Stage.REPORT)
    bad_count = client.post(link(world, report), data={"content": "x", "count_news": "-3"})
    assert bad_count.status_code == 400
    assert "cần một số nguyên không âm" in bad_count.text
    bad_link = client.post(
        link(world, TaskKey("iso-training", "TDC", Stage.EVIDENCE)),
        data={"content": "x", "links": "javascript:alert(1)"},
    )
    assert bad_link.status_code == 400
    assert rows(world) == before


def test_hostile_text_is_shown_escaped(world: World, client: TestClient) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert client.post(link(world), data={"content": payload}).status_code == 200
    page = client.get(link(world)).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_the_same_form_posted_twice_at_once_is_one_submission(
    world: World, client: TestClient
) -> None:
    import re
    import threading

    page = client.get(link(world)).text
    nonce = re.search(r'name="nonce" value="([^"]+)"', page)
    assert nonce is not None
    form = {"content": "Kế hoạch tập huấn", "nonce": nonce[1]}
    answers: list[str] = []
    barrier = threading.Barrier(3)

    def post() -> None:
        barrier.wait()
        answers.append(client.post(link(world), data=form).text)

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all("lần gửi thứ 1" in a for a in answers)
    counts = rows(world)
    assert counts["submissions"] == 1
    assert counts["outbox"] == 1  # one receipt
