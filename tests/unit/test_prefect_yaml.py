"""prefect.yaml agrees with the plan: one deployment per activity, opening with its window."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import yaml

from domain.calendar import WorkingCalendar
from domain.plan import Plan
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def deployments() -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    return list(data["deployments"])


def test_prefect_yaml_holds_nothing_of_a_plan(deployments: list[dict[str, Any]]) -> None:
    """A plan's deployments are made from its data (cchc plan publish), never written here."""
    assert not [d for d in deployments if "propagation" in d["entrypoint"]]
    assert not [d for d in deployments if "year_end" in d["entrypoint"]]
    assert not [d for d in deployments if "plan" in (d.get("parameters") or {})]


def test_a_plan_deployment_per_activity_opening_once_with_its_window(
    plan: Plan, calendar: WorkingCalendar
) -> None:
    from domain.year_end import year_end_dates
    from services.prefect_adapter.deployments import wanted

    found = {w.name: w for w in wanted(plan, calendar)}
    names = {f"{plan.code}.{a.code}" for a in plan.activities} | {f"{plan.code}.year-end"}
    assert set(found) == names
    for activity in plan.activities:
        want = found[f"{plan.code}.{activity.code}"]
        start = activity.time_window(plan.year).start
        assert want.rrule == f"DTSTART:{start:%Y%m%d}T070000\nRRULE:FREQ=DAILY;COUNT=1"
        assert want.parameters == {"activity": activity.code, "plan": plan.code, "year": 2025}
        assert {"cchc", plan.code, "2025", f"ht{activity.number}"} <= set(want.tags)
        assert activity.title in want.description
        assert want.flow == "propagation"
    year_end = found[f"{plan.code}.year-end"]
    assert year_end.opens_on == year_end_dates(plan, calendar).opens_on
    assert year_end.parameters == {"plan": plan.code}


def test_every_entrypoint_names_a_flow(deployments: list[dict[str, Any]]) -> None:
    for deployment in deployments:
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert hasattr(getattr(module, name), "deploy"), deployment["entrypoint"]
        assert deployment["work_pool"]["name"] == "cchc-local"
        assert all(s.get("slug") for s in deployment.get("schedules", []))


def test_the_sweep_runs_monday_to_saturday_at_0730(deployments: list[dict[str, Any]]) -> None:
    [daily] = [d for d in deployments if d["name"] == "daily" and "sweep" in d["entrypoint"]]
    assert daily["schedules"][0]["cron"] == "30 7 * * 1-6"


def test_the_backup_runs_every_night_as_backup_daily(deployments: list[dict[str, Any]]) -> None:
    from deploy.probes import expected_deployments

    [nightly] = [d for d in deployments if d["entrypoint"] == "flows/backup.py:nightly_backup"]
    assert nightly["name"] == "daily"
    assert nightly["schedules"] == [
        {"cron": "30 22 * * *", "timezone": "Asia/Ho_Chi_Minh", "slug": "nightly"}
    ]
    names = expected_deployments()
    assert {"backup/daily", "deadline-sweep/daily", "deadline-sweep/now"} <= set(names)
    assert len(names) == len(deployments)  # two deployments named "daily", of two flows
