"""After an answer has gone out: ask Prefect to resume the run that waits for it."""

from __future__ import annotations

import logging

from domain.year_end import YEAR_END
from services.prefect_adapter.settings import api_url_in_environment

log = logging.getLogger("cchc.portal")


def resume_later(plan: str, activity: str) -> None:
    """Resume the waiting run (needs a Prefect API); if that fails, the morning sweep does."""
    if not api_url_in_environment():
        return  # no orchestrator here; the sweep reconciles when one runs
    try:
        from services.prefect_adapter.runs import resume_activity, resume_year_end

        note = "có kết quả mới từ cổng thông tin"
        resume_activity(plan, activity, note=note)
        if activity == YEAR_END:  # the Office's revision of a returned draft
            resume_year_end(plan, note=note)
    except Exception:  # the submission is safe in the database; the sweep resumes the run
        log.exception("could not resume %s/%s", plan, activity)
