"""`cchc demo`, the full-year replay, checked by its own outputs: every task has an outcome,
the mails add up, every rung of every ladder fired, the report went out naming the unit
that never reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
import pytest

from domain.status import Bucket
from domain.task import TaskState
from flows import common
from services.demo import run_demo
from services.settings import Settings
from tests.conftest import PLAN_PATH, UNITS_PATH

pytestmark = pytest.mark.usefixtures("prefect_api")
SILENT = "Trung tâm Ứng dụng và Dịch vụ khoa học và công nghệ"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as env:
        # run_demo points these at `out`; setting them here restores them afterwards
        env.setenv("CCHC_DATABASE_URL", f"sqlite:///{out / 'cchc.db'}")
        env.setenv("CCHC_MAIL__BACKEND", "file")
        env.setenv("CCHC_MAIL__FILE_DIR", str(out / "mail"))
        env.setenv("CCHC_REPORT_DIR", str(out / "reports"))
        env.setenv("CCHC_UNITS_PATH", str(UNITS_PATH))
        env.setenv("CCHC_PLAN_PATH", str(PLAN_PATH))
        common._context.cache_clear()
        result = run_demo(Settings(), out)
        common._context.cache_clear()
    return out, result.summary


def test_every_task_has_an_outcome(replayed: tuple[Path, dict[str, Any]]) -> None:
    out, summary = replayed
    assert summary == json.loads((out / "summary.json").read_text(encoding="utf-8"))
    tasks = summary["tasks"]
    known = {b.value for b in Bucket} | {s.value for s in TaskState}
    assert len(tasks["outcome"]) == tasks["total"] == 191  # 180 activity tasks + 11 reports
    assert set(tasks["outcome"].values()) <= known
    assert sum(tasks["by_outcome"].values()) == tasks["total"]
    assert tasks["outcome"]["year-end-report/TTUD/report#1"] == Bucket.OVERDUE.value
    assert tasks["by_outcome"][Bucket.DONE_LATE.value] == summary["submissions"]["late"]


def test_the_mails_add_up_to_the_eml_files(replayed: tuple[Path, dict[str, Any]]) -> None:
    out, summary = replayed
    mails = summary["mails"]
    assert sum(mails["by_kind"].values()) == mails["total"] == mails["eml_files"]
    assert len(list((out / "mail").glob("*.eml"))) == mails["total"]
    assert mails["by_kind"]["submission_receipt"] == summary["submissions"]["total"]
    assert mails["by_kind"]["report_submitted"] == 1


def test_every_rung_of_every_ladder_fired(replayed: tuple[Path, dict[str, Any]]) -> None:
    _out, summary = replayed
    plan = Settings(plan_path=PLAN_PATH)
    from documents.plan_files import load_plan

    policy = load_plan(plan.plan_path).policy
    fired = summary["ladder_rungs_fired"]
    assert {r.name for r in policy.ladder} <= set(fired["activities"])
    assert {r.name for r in policy.year_end.ladder} <= set(fired["year_end"])
    assert summary["escalations"] >= 2
    assert summary["mails"]["by_kind"]["escalation_digest"] >= 2


def test_the_report_went_out_naming_the_silent_unit(replayed: tuple[Path, dict[str, Any]]) -> None:
    out, summary = replayed
    assert summary["report"]["state"] == "sent"
    assert summary["report"]["missing"] == [SILENT]
    assert summary["simulated_until"] < "2025-11-28T24"  # before the UBND deadline
    assert SILENT in (out / "report-2025.md").read_text(encoding="utf-8")
    text = "\n".join(p.text for p in docx.Document(str(out / "report-2025.docx")).paragraphs)
    assert "BÁO CÁO" in text
    assert SILENT in text
    assert (out / "schedule.json").exists()
