"""The consolidated year-end report's content, built from the database, the plan and directory."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from domain.clock import local_date
from domain.consolidate import Grouped, group_statements
from domain.plan import Activity, Topic
from domain.policy import Stage
from domain.report import RESULT_COUNTS, FormResult, ReportData
from domain.schedule import carries_estimate
from domain.status import Bucket
from domain.task import DONE_STATES, TaskState
from domain.vi import dmy
from services.context import PlanContext
from services.report_facts import (
    Entry,
    Facts,
    Said,
    appendix,
    buckets,
    in_directory_order,
    internal_lines,
    missing_units,
    read_facts,
    said_by_form,
    unit_name,
)

TITLE = "Kết quả thực hiện công tác tuyên truyền cải cách hành chính năm {year}"
DOC_SYMBOL = "BC"  # báo cáo (NĐ 30/2020, Phụ lục III)
SIGNER_TITLE = "GIÁM ĐỐC"
DEPUTY_TITLE = "PHÓ GIÁM ĐỐC"
ON_BEHALF = "KT. GIÁM ĐỐC"  # ký thay: a deputy signs for the Director
DEPUTY_ROLE = "deputy_director"
TOPIC_TITLE_CHARS = 80


def build_report_data(
    ctx: PlanContext, *, now: datetime, draft: bool = True, version: int = 0
) -> ReportData:
    """What the report to UBND tỉnh says at `now`: facts from the database, nothing invented;
    what several units wrote alike is written once, naming them."""
    facts = read_facts(ctx)
    said = said_by_form(ctx, facts)
    forms = [_form(ctx, facts, a, said[a.code]) for a in ctx.plan.activities]
    return ReportData(
        **_header(ctx, now=now),
        direction=_direction(ctx, facts),
        forms=forms,
        general=group_statements(said[""].content),
        general_estimates=group_statements(said[""].estimate),
        topics=[_topic(t) for t in ctx.plan.all_topics()],
        strengths=_strengths(facts, forms, now=now),
        weaknesses=_weaknesses(ctx, facts, now=now),
        causes=_grouped(ctx, facts, "difficulties", raised=facts.raised),
        directions=_directions(ctx, facts),
        proposals=_grouped(ctx, facts, "proposals"),
        units=appendix(ctx, facts, now=now),
        missing_units=[u.name for u in missing_units(ctx, facts)],
        internal=internal_lines(ctx, facts, now=now),
        recipients=_recipients(ctx),
        **_signer(ctx),
        draft=draft,
        version=version,
    )


def _header(ctx: PlanContext, *, now: datetime) -> dict[str, Any]:
    plan = ctx.plan
    to = plan.reporting.consolidated_report.to
    addressee = ctx.directory.recipient(to)
    return {
        "issuer_parent": plan.issuer.parent,
        "issuer": plan.issuer.name,
        # The văn thư gives the number after signature (NĐ 30/2020, Điều 15).
        "number_symbol": f"…/{DOC_SYMBOL}-{plan.issuer.abbreviation}",
        "place": plan.place,
        "dated": local_date(now),
        "year": plan.year,
        "title": TITLE.format(year=plan.year),
        "rehearsal": plan.rehearsal,
        "addressee": addressee.name if addressee else to,
    }


def _direction(ctx: PlanContext, facts: Facts) -> list[str]:
    plan = ctx.plan
    live = [e for e in facts.activity_entries() if e.task.state is not TaskState.CANCELLED]
    paragraphs = [
        f"{ctx.directory.organization} đã ban hành Kế hoạch số {plan.number_symbol} ngày "
        f"{dmy(plan.issued_on)} về {_lower_first(plan.title)}.",
        f"Kế hoạch xác định {len(plan.topics)} nhóm nội dung và {len(plan.activities)} hình "
        f"thức tuyên truyền; giao {len({e.unit for e in live})} phòng, đơn vị thuộc Sở chủ trì, "
        "phối hợp thực hiện.",
        "Việc giao nhiệm vụ, nhắc việc, đôn đốc và tiếp nhận kết quả của các phòng, đơn vị "
        "được thực hiện qua hệ thống theo dõi nhiệm vụ của Sở.",
    ]
    return [*paragraphs, *_collection(ctx, facts)]


def _collection(ctx: PlanContext, facts: Facts) -> list[str]:
    """The year-end collection, once its tasks exist."""
    asked = [
        e for e in facts.year_end_reports().values() if e.task.state is not TaskState.CANCELLED
    ]
    if not asked:
        return []
    office = ctx.directory.unit(ctx.directory.office)
    received = sum(e.task.state in DONE_STATES for e in asked)
    return [
        f"{office.name if office else 'Văn phòng Sở'} đã đề nghị {len(asked)} phòng, đơn vị báo "
        f"cáo kết quả thực hiện Kế hoạch {ctx.plan.reporting.unit_report.deadline}; đã nhận "
        f"{received}/{len(asked)} báo cáo."
    ]


def _form(ctx: PlanContext, facts: Facts, activity: Activity, said: Said) -> FormResult:
    entries = facts.of_activity(activity.code)
    reports = [e for e in entries if e.task.key.stage is Stage.REPORT and e.payload is not None]
    ids = {e.id for e in entries}
    evidence = [ev for ev in facts.evidence if ev.task_id in ids]
    done = [e for e in entries if e.payload is not None and e.task.key.stage is not Stage.PLAN]
    topics = {t for e in done for t in (e.payload or {}).get("topics", [])}
    topics |= {t for ev in evidence for t in ev.topics}
    leads, helpers = _assigned(ctx, activity)
    return FormResult(
        number=activity.number,
        code=activity.code,
        title=activity.title,
        window_text=activity.window,
        lead=leads,
        coordinating=helpers,
        counts=summed_counts(reports),
        done=group_statements(said.content),
        estimates=group_statements(said.estimate),
        evidence_links=sum(not ev.is_file for ev in evidence),
        evidence_files=sum(ev.is_file for ev in evidence),
        links=_unique(ev.text for ev in evidence),
        topics=[t.code for t in ctx.plan.all_topics() if t.code in topics],
        estimate=carries_estimate(ctx.plan, activity, ctx.app.calendar),
    )


def _assigned(ctx: PlanContext, activity: Activity) -> tuple[list[str], list[str]]:
    """Names of the lead and coordinating units as the directory resolves the plan's text;
    coordinators given as a group keep the plan's words ('Các phòng, đơn vị thuộc Sở')."""
    directory = ctx.directory
    names = {u.code: u.name for u in directory.units}
    leads = directory.resolve(activity.lead.units, activity.lead.groups)
    lead_names = [names[c] for c in leads] or [activity.lead.as_written]
    helpers = activity.coordinators
    if helpers is None:
        return lead_names, []
    if helpers.groups:
        return lead_names, [helpers.as_written]
    others = directory.resolve(helpers.units, [])
    return lead_names, [names[c] for c in others if c not in leads]


def summed_counts(reports: list[Entry]) -> dict[str, int]:
    """Each count summed over the units' latest reports; execute check-ins are not added,
    since a report states the activity's whole result."""
    total: Counter[str] = Counter()
    for entry in reports:
        for key, value in ((entry.payload or {}).get("counts") or {}).items():
            if key in RESULT_COUNTS and type(value) is int and value >= 0:
                total[key] += value
    return dict(total)


def _topic(topic: Topic) -> tuple[str, str]:
    return topic.code, topic.title or _clip(topic.paragraphs[0], TOPIC_TITLE_CHARS)


def _strengths(facts: Facts, forms: list[FormResult], *, now: datetime) -> list[str]:
    tally = buckets(facts, now=now)
    total = sum(len(v) for v in tally.values())
    lines = []
    if total:
        on_time = len(tally[Bucket.DONE_ON_TIME])
        lines.append(
            f"Đã hoàn thành đúng hạn {on_time}/{total} nhiệm vụ đã triển khai "
            f"({_percent(on_time, total)})."
        )
    reported = [f for f in forms if f.done or f.counts]
    if reported:
        numbers = ", ".join(str(f.number) for f in reported)
        lines.append(
            f"Có {len(reported)}/{len(forms)} hình thức tuyên truyền đã có kết quả báo cáo của "
            f"đơn vị (hình thức số {numbers})."
        )
    return [*lines, *facts.revision_lines("content")]


def _weaknesses(ctx: PlanContext, facts: Facts, *, now: datetime) -> list[str]:
    """Late and overdue tasks counted by unit, in one sentence. Units without a year-end
    report come from `missing_units`, which every layout states itself."""
    tally_ = buckets(facts, now=now)
    late, overdue = tally_[Bucket.DONE_LATE], tally_[Bucket.OVERDUE]
    if not late and not overdue:
        return []
    per_unit = Counter(unit_name(ctx, e.unit) for e in in_directory_order(ctx, late + overdue))
    units = ", ".join(f"{name} ({n})" for name, n in per_unit.items())
    return [
        f"Còn {len(late) + len(overdue)} nhiệm vụ chưa bảo đảm thời hạn ({len(late)} nhiệm vụ "
        f"hoàn thành quá hạn, {len(overdue)} nhiệm vụ chưa hoàn thành, đã quá hạn), tại: "
        f"{units}."
    ]


def _grouped(
    ctx: PlanContext, facts: Facts, field: str, *, raised: Iterable[tuple[str, str]] = ()
) -> list[Grouped]:
    """`field` of each unit's year-end and activity reports line by line, alike lines once
    with the units that wrote them; then what `raised` adds (the difficulties unit heads
    reported during the year, each line with its unit); then the Office's revised text."""
    reports = [e for e in facts.entries if e.report and e.payload is not None]
    items = [
        (unit_name(ctx, e.unit), line)
        for e in in_directory_order(ctx, reports)
        for line in e.lines(field)
    ]
    items += [
        (unit_name(ctx, unit), line.strip())
        for unit, text in raised
        for line in text.splitlines()
        if line.strip()
    ]
    return group_statements([*items, *(("", line) for line in facts.revision_lines(field))])


def _directions(ctx: PlanContext, facts: Facts) -> list[str]:
    year = ctx.plan.year + 1
    lines = [
        f"Năm {year}, tiếp tục triển khai công tác tuyên truyền cải cách hành chính, tập trung "
        "vào các nhiệm vụ sau:"
    ]
    for activity in ctx.plan.activities:
        title = _next_year(_lower_first(activity.title).rstrip(".;"), ctx.plan.year)
        lines.append(f"- Tiếp tục {title}.")
    return [*lines, *facts.revision_lines("estimate")]


def _next_year(text: str, year: int) -> str:
    """'… năm 2025' → '… năm 2026'; a year inside a number or symbol (9001:2015) stays."""
    return re.sub(rf"(?<![\d/:.-]){year}(?![\d/])", str(year + 1), text)


def _recipients(ctx: PlanContext) -> list[str]:
    """Nơi nhận as NĐ 30/2020 writes it: '- …;' on each line, '- ….' on the last; the body
    the report is addressed to ('Kính gửi') first, as '- Như trên;'."""
    texts = [a.text.rstrip(" ;.") for a in ctx.plan.recipients]
    to = ctx.plan.reporting.consolidated_report.to
    if ctx.plan.recipients and to in ctx.plan.recipients[0].units:
        texts[0] = "Như trên"
    return [f"- {t};" for t in texts[:-1]] + [f"- {texts[-1]}."]


def _signer(ctx: PlanContext) -> dict[str, str]:
    """Who signs, from the directory: the Director, or a deputy signing for the Director."""
    directory = ctx.directory
    code = ctx.plan.reporting.consolidated_report.signed_by
    found = directory.recipient(code) if code else None
    found = found or next((r for r in directory.recipients if r.role == "director"), None)
    deputy = found is not None and found.role == DEPUTY_ROLE
    return {
        "signer_on_behalf": ON_BEHALF if deputy else "",
        "signer_title": DEPUTY_TITLE if deputy else SIGNER_TITLE,
        "signer_name": found.person if found else "",
    }


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def _lower_first(text: str) -> str:
    # An abbreviation such as "CCHC" keeps its capitals.
    if not text or (len(text) > 1 and text[1].isupper()):
        return text
    return text[0].lower() + text[1:]


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}".replace(".", ",") + "%"
