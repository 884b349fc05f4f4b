"""What a write costs the database: a task read to be changed is not read again, and a
submission does all its reading and rendering before its first write (SQLite has one writer
at a time; a transaction holds the write lock from its first write to its commit)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from domain.task import Action, Task, TaskState
from notifications.content import MailKind
from portal.state import Portal
from portal.unit_routes import _opened, _record
from services.links import LinkRevoked
from services.office import reissue_link
from services.ports import UnitOfWork
from services.settings import PortalSettings
from services.tasks import load, submit, transition
from tests.integration.conftest import World
from tests.integration.portal_kit import link, rows
from tests.integration.sql_kit import WRITES, statements


def open_task(world: World) -> Any:
    with world.app.uow() as uow:
        found = uow.tasks.with_ids(plan=world.plan.code, states=[TaskState.OPEN])
    return found[0][1]


def reads_of_tasks(seen: list[str]) -> list[str]:
    return [s for s in seen if s.startswith("SELECT") and "FROM TASKS" in s]


def test_a_task_read_to_be_changed_is_saved_without_reading_it_again(world: World) -> None:
    task = open_task(world)
    with world.app.uow() as uow:
        stored = load(uow, world.plan.code, task.key)
        with statements(world) as seen:
            transition(uow, stored, Action.SUBMIT, at=world.clock.now(), by="test")
            uow.commit()
    assert reads_of_tasks(seen) == []
    assert any(s.startswith("UPDATE TASKS") for s in seen)  # the change was written
    with world.app.uow() as uow:
        assert load(uow, world.plan.code, task.key).task.state is TaskState.SUBMITTED


def hand_in(world: World, uow: UnitOfWork, task: Task, **extra: Any) -> int:
    """A unit's answer to `task`, recorded in `uow` (`extra`: submit's other arguments)."""
    return submit(
        uow,
        world.mailer,
        task.key,
        at=world.clock.now(),
        by="unit:test",
        payload={"content": "Đã đăng tin"},
        **extra,
    )


def test_a_submission_reads_and_renders_before_its_first_write(world: World) -> None:
    task = open_task(world)
    evidence = [{"kind": "link", "url": "https://example.invalid/tin-bai", "topics": []}]
    with world.app.uow() as uow, statements(world) as seen:
        version = hand_in(world, uow, task, nonce="n-1", evidence=evidence)
    writes = [i for i, s in enumerate(seen) if s.startswith(WRITES)]
    assert writes, seen
    after_first_write = seen[writes[0] :]
    assert [s for s in after_first_write if s.startswith("SELECT")] == []
    assert version == 1
    with world.app.uow() as uow:
        stored = load(uow, world.plan.code, task.key)
        assert stored.task.state is TaskState.SUBMITTED
        assert [e.url for e in uow.submissions.evidence([stored.id])] == [evidence[0]["url"]]
        receipt = world.mailer.key(stored.task, MailKind.SUBMISSION_RECEIPT, f"v{version}")
        assert uow.outbox.exists(receipt)


def test_a_refused_check_writes_nothing(world: World) -> None:
    task = open_task(world)

    def refuse(_task: Task) -> None:
        raise LinkRevoked("the Office replaced this link")

    with world.app.uow() as uow, pytest.raises(LinkRevoked), statements(world) as seen:
        hand_in(world, uow, task, check=refuse)
    assert [s for s in seen if s.startswith(WRITES)] == []


def test_a_link_replaced_while_the_answer_came_in_is_refused(world: World, tmp_path: Path) -> None:
    """The portal read the link (generation 1); the Office replaces it before the answer is
    recorded: the record step refuses it, and nothing is written."""
    settings = world.app.settings.model_copy(
        update={"portal": PortalSettings(upload_dir=tmp_path / "uploads")}
    )
    portal = Portal(settings, world.clock)
    try:
        claims, ctx, key = _opened(portal, link(world).removeprefix("/t/"))
        with world.app.uow() as uow:
            task_id = load(uow, world.plan.code, key).id
        reissue_link(ctx, task_id, at=world.clock.now(), by="office:test", reason="Thư gửi nhầm")
        before = rows(world)
        with pytest.raises(LinkRevoked):
            _record(portal, ctx, key, claims, {"content": "Kế hoạch của đơn vị"}, [])
        assert rows(world) == before
    finally:
        portal.app.close()
