"""prefect.yaml agrees with the plan: one deployment per activity, opening with its window."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import yaml

from domain.plan import Plan
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def deployments() -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    return list(data["deployments"])


def test_one_propagation_deployment_per_activity(
    deployments: list[dict[str, Any]], plan: Plan
) -> None:
    found = {
        d["name"]: d for d in deployments if d["entrypoint"] == "flows/propagation.py:propagation"
    }
    assert set(found) == {a.code for a in plan.activities}
    for activity in plan.activities:
        deployment = found[activity.code]
        window = activity.time_window(plan.year)
        [schedule] = deployment["schedules"]
        assert schedule["cron"] == f"0 8 {window.start.day} {window.start.month} *"
        assert schedule["timezone"] == "Asia/Ho_Chi_Minh"
        assert deployment["parameters"]["activity"] == activity.code
        assert activity.title in deployment["description"]


def test_every_entrypoint_names_a_flow(deployments: list[dict[str, Any]]) -> None:
    for deployment in deployments:
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert hasattr(getattr(module, name), "deploy"), deployment["entrypoint"]
        assert deployment["work_pool"]["name"] == "cchc-local"
        assert all(s.get("slug") for s in deployment.get("schedules", []))


def test_the_sweep_runs_monday_to_saturday_at_0730(deployments: list[dict[str, Any]]) -> None:
    [daily] = [d for d in deployments if d["name"] == "daily"]
    assert daily["schedules"][0]["cron"] == "30 7 * * 1-6"
