"""cchc's Prefect automations: the Office's alert on an overdue task, and zombie detection
(a run whose process died is marked Crashed, for the reconciler to run it again)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType

from domain.errors import InvalidRequest
from services.prefect_adapter.settings import HEARTBEAT_SECONDS, api_url, heartbeat_frequency
from services.settings import Settings

OVERDUE_AUTOMATION = "cchc-task-overdue"
ZOMBIE_AUTOMATION = "cchc-zombie-runs"
OFFICE_DEPLOYMENT = "notify-office/office"
# What shows a run's process still answers for it after a heartbeat: Prefect's documented
# list, plus the gates — a run suspended at a gate stops beating on purpose.
SIGNS_OF_LIFE = ("heartbeat", "Completed", "Failed", "Cancelled", "Crashed", "Suspended", "Paused")


def ensure_automations(settings: Settings, *, heartbeat: int | None = None) -> list[str]:
    """Both of cchc's automations, created or updated in place; their names. Refused
    (InvalidRequest) without an API to call: Prefect's client would start a temporary one."""
    if not api_url():
        raise InvalidRequest("PREFECT_API_URL is not set: export it to the Prefect server's API")
    window = timedelta(seconds=settings.zombie_after_seconds)
    ensure_zombie_automation(within=window, heartbeat=heartbeat)
    ensure_overdue_automation()
    return [OVERDUE_AUTOMATION, ZOMBIE_AUTOMATION]


def ensure_overdue_automation(deployment: str = OFFICE_DEPLOYMENT) -> UUID:
    """When a task becomes overdue (event cchc.task.overdue), run the Office's alert flow.
    Created once; calling again updates it in place. InvalidRequest when the deployment is
    not registered."""
    from prefect.events.actions import RunDeployment
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            target = client.read_deployment_by_name(deployment)
    except ObjectNotFound:
        raise InvalidRequest(
            f"deployment {deployment} is not registered: "
            "run `prefect --no-prompt deploy --all` first"
        ) from None
    return _upsert(
        AutomationCore(
            name=OVERDUE_AUTOMATION,
            description="Báo Văn phòng Sở khi một nhiệm vụ quá hạn.",
            trigger=EventTrigger(
                match={"prefect.resource.id": "cchc.activity.*"},
                expect={"cchc.task.overdue"},
                posture=Posture.Reactive,
                threshold=1,
            ),
            actions=[
                RunDeployment(
                    source="selected",
                    deployment_id=target.id,
                    parameters={
                        "task": "{{ event.payload.task }}",
                        "plan": "{{ event.payload.plan }}",
                    },
                )
            ],
        )
    )


def ensure_zombie_automation(*, within: timedelta, heartbeat: int | None = None) -> UUID:
    """Prefect's zombie detection (docs: "detect zombie flows"): a flow run that sent a
    heartbeat and then nothing within `within` — no heartbeat, no end, no gate — has lost its
    process (a worker killed, a machine gone) and is marked Crashed; the reconciler runs it
    again. Runs beat every `heartbeat` seconds (default: PREFECT_FLOWS_HEARTBEAT_FREQUENCY
    here, which the workers must share); the window must span two beats, or a run alive but
    busy would be crashed. Created once; calling again updates it in place."""
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    beat = heartbeat or heartbeat_frequency()
    if beat is None or within.total_seconds() < 2 * beat:
        raise InvalidRequest(
            f"flow runs beat every {beat or 'never'} s (PREFECT_FLOWS_HEARTBEAT_FREQUENCY): "
            f"a {within.total_seconds():.0f} s window needs beats at most every "
            f"{within.total_seconds() / 2:.0f} s; set PREFECT_FLOWS_HEARTBEAT_FREQUENCY="
            f"{HEARTBEAT_SECONDS} for the workers and here"
        )
    flow_run = "prefect.flow-run"
    return _upsert(
        AutomationCore(
            name=ZOMBIE_AUTOMATION,
            description="Đánh dấu Crashed lượt chạy mất tiến trình (không còn nhịp tim).",
            trigger=EventTrigger(
                match={"prefect.resource.id": f"{flow_run}.*"},
                after={f"{flow_run}.heartbeat"},
                expect={f"{flow_run}.{name}" for name in SIGNS_OF_LIFE},
                for_each={"prefect.resource.id"},
                posture=Posture.Proactive,
                threshold=1,
                within=within,
            ),
            actions=[
                ChangeFlowRunState(
                    state=StateType.CRASHED,
                    message=f"Không có nhịp tim trong {within.total_seconds():.0f} giây: "
                    "tiến trình của lượt chạy đã mất.",
                )
            ],
        )
    )


def _upsert(automation: Any) -> UUID:
    """The automation by its name: created, or the existing one updated (extras removed)."""
    with get_client(sync_client=True) as client:
        existing = client.read_automations_by_name(automation.name)
        if existing:
            client.update_automation(existing[0].id, automation)
            for extra in existing[1:]:
                client.delete_automation(extra.id)
            return existing[0].id
        return client.create_automation(automation)
