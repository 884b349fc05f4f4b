"""A resume that lands between a run turning Suspended and its gate's input schema being saved
(Prefect does them one after the other) is asked again, not left for the morning sweep."""

from __future__ import annotations

import threading
import time
from typing import Any, cast
from uuid import UUID

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State, StateType
from prefect.flow_runs import resume_flow_run
from prefect.input.run_input import Keyset, keyset_from_paused_state
from prefect.states import Cancelled, Suspended

from flows.common import StageInput
from services.prefect_adapter import runs as prefect_runs

pytestmark = pytest.mark.usefixtures("prefect_api")


@flow(name="gate-race")
def gate_race() -> None:
    """Never run: its runs are only moved from state to state."""


def suspended_without_schema() -> tuple[UUID, Keyset]:
    """A run in the state Prefect's suspend sets first: Suspended, its schema not yet saved."""
    deployment: Any = gate_race.to_deployment(name="race").apply()  # type: ignore[union-attr]
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(deployment)
        # A key none of cchc's gates has: the reconciler of other tests leaves these runs alone.
        state: State[None] = Suspended(timeout_seconds=None, pause_key="race")
        keyset = keyset_from_paused_state(state)
        state.state_details.run_input_keyset = cast(dict[str, str], keyset)
        client.set_flow_run_state(run.id, state, force=True)
    return run.id, keyset


def test_prefect_refuses_a_resume_before_the_schema_is_saved() -> None:
    run_id, _keyset = suspended_without_schema()
    try:
        with pytest.raises(RuntimeError, match="Run input schema not found"):
            resume_flow_run(run_id, run_input={"submission_ids": []})
    finally:
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(run_id, Cancelled(), force=True)


def test_the_resume_asks_again_until_the_schema_is_there() -> None:
    run_id, keyset = suspended_without_schema()

    def suspend_finishes() -> None:  # what suspend_flow_run does right after the state
        time.sleep(0.4)
        waiting = StageInput.with_initial_data(description="### Chờ lập kế hoạch")
        waiting.save(keyset, flow_run_id=run_id)

    late = threading.Thread(target=suspend_finishes)
    late.start()
    try:
        prefect_runs.resume(run_id, note="cổng thông tin")
    finally:
        late.join()
    with get_client(sync_client=True) as client:
        after = client.read_flow_run(run_id).state
    assert after is not None
    assert after.type is StateType.SCHEDULED  # resumed: waiting for a worker to run it again
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(run_id, Cancelled(), force=True)  # no worker will take it
