"""What the fault tests share."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from domain.task import TaskState
from flows import common
from services.context import PlanContext
from services.links import LinkSigner
from services.tasks import submit
from storage.tables import OutboxRow
from storage.uow import session_of
from tests.conftest import PLAN_CODE, UNITS_PATH
from tests.e2e.test_up_postgres import auth_string, cchc_url


def hand_in_everything(ctx: PlanContext, *, activity: str | None = None) -> int:
    """Every unit hands in every open task of the plan (or of one activity), now; how many."""
    handed = 0
    with ctx.app.uow() as uow:
        for task in uow.tasks.find(plan=ctx.plan.code):
            if task.state is TaskState.OPEN and activity in (None, task.key.activity):
                submit(
                    uow,
                    ctx.mailer,
                    task.key,
                    at=ctx.app.clock.now(),  # the stack's own clock: the system's
                    by=f"unit:{task.key.unit}",
                    payload={"content": "Đã thực hiện"},
                )
                handed += 1
    return handed


def hand_in_through_the_portal(
    stack: dict[str, str], ctx: PlanContext, task_key: str, *, secret: str, nonce: str = ""
) -> None:
    """A unit opens the link of its mail and hands in, on the rehearsal's own portal (which
    then resumes the task's run through the Prefect API)."""
    unit = task_key.split("/")[1]
    signer = LinkSigner(secret=secret, base_url="http://unused")
    token = signer.token(
        unit=unit,
        task=task_key,
        expires_on=ctx.app.clock.now().date() + timedelta(days=30),
        plan=ctx.plan.code,
    )
    answer = httpx.post(
        f"http://127.0.0.1:{stack['CCHC_STACK__PORTAL_PORT']}/t/{token}",
        data={
            "content": "Đã tổ chức hội thảo trong Tuần lễ Chuyển đổi số",
            "nonce": nonce or f"giua-chung-{task_key}",
        },
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    assert "Đã nhận kết quả" in answer.text


def assigned_keys(ctx: PlanContext) -> list[str]:
    """The outbox key of every assignment queued (one per assignment, mailed or carried)."""
    with ctx.app.uow() as uow:
        query = select(OutboxRow.idempotency_key).where(OutboxRow.kind == "task_assigned")
        return list(session_of(uow).scalars(query))


@contextlib.contextmanager
def point_at(
    base_url: str, stack_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """This process pointed at a running rehearsal's database and API (its flows' contexts
    closed after): the stack's settings and these."""
    env = {
        "CCHC_DATABASE_URL": cchc_url(base_url),
        "CCHC_UNITS_PATH": str(UNITS_PATH),
        "CCHC_MAIL__BACKEND": "memory",
        "PREFECT_API_URL": f"http://127.0.0.1:{stack_env['CCHC_STACK__PREFECT_PORT']}/api",
        "PREFECT_API_AUTH_STRING": auth_string(stack_env),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    common.CACHE.clear()
    try:
        yield stack_env | env
    finally:
        if "CCHC_DATABASE_URL" in os.environ:  # close this process's pool on the database
            common.context(PLAN_CODE).app.close()
        common.CACHE.clear()
