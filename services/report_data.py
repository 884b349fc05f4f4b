"""The consolidated year-end report's content, built from the database, the plan and directory."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from domain.clock import local_date
from domain.plan import Activity, Topic
from domain.policy import NoticeKind, Stage
from domain.report import RESULT_COUNTS, FormResult, ReportData
from domain.schedule import carries_estimate
from domain.status import Bucket
from domain.task import DONE_STATES, TaskState
from domain.units import canonical_name
from domain.vi import dmy
from services.context import PlanContext
from services.report_facts import Entry, Facts, appendix, buckets, missing_units, read_facts

TITLE = "Kết quả thực hiện công tác tuyên truyền cải cách hành chính năm {year}"
DOC_SYMBOL = "BC"  # báo cáo (NĐ 30/2020, Phụ lục III)
SIGNER_TITLE = "GIÁM ĐỐC"
TOPIC_TITLE_CHARS = 80
# A recipient named by office rather than by person ("Giám đốc Sở") gives no signer name.
_OFFICE_WORDS = ("giam doc", "pho giam doc", "lanh dao", "so ", "cac ", "uy ban")
_LATE = {
    Bucket.DONE_LATE: "hoàn thành quá hạn",
    Bucket.OVERDUE: "chưa hoàn thành, đã quá hạn",
}


def build_report_data(ctx: PlanContext, *, now: datetime, draft: bool = True) -> ReportData:
    """What the report to UBND tỉnh says at `now`: facts from the database, nothing invented."""
    facts = read_facts(ctx)
    forms = [_form(ctx, facts, a) for a in ctx.plan.activities]
    return ReportData(
        **_header(ctx, now=now),
        direction=_direction(ctx, facts, now=now),
        forms=forms,
        topics=[_topic(t) for t in ctx.plan.all_topics()],
        strengths=_strengths(facts, forms, now=now),
        weaknesses=_weaknesses(ctx, facts, now=now),
        causes=_said(ctx, facts, "difficulties"),
        directions=_directions(ctx, facts),
        proposals=_said(ctx, facts, "proposals"),
        units=appendix(ctx, facts, now=now),
        missing_units=[u.name for u in missing_units(ctx, facts)],
        recipients=_recipients(ctx),
        signer_title=SIGNER_TITLE,
        signer_name=_signer_name(ctx),
        draft=draft,
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


def _direction(ctx: PlanContext, facts: Facts, *, now: datetime) -> list[str]:
    plan = ctx.plan
    live = [e for e in facts.activity_entries() if e.task.state is not TaskState.CANCELLED]
    done = [e for e in live if e.task.state in DONE_STATES]
    notices = facts.notices
    paragraphs = [
        f"{ctx.directory.organization} đã ban hành Kế hoạch số {plan.number_symbol} ngày "
        f"{dmy(plan.issued_on)} về {_lower_first(plan.title)}.",
        f"Kế hoạch xác định {len(plan.topics)} nhóm nội dung và {len(plan.activities)} hình "
        f"thức tuyên truyền; giao {len({e.unit for e in live})} phòng, đơn vị thuộc Sở chủ trì, "
        f"phối hợp thực hiện {len(live)} nhiệm vụ theo các giai đoạn lập kế hoạch, thực hiện, "
        "minh chứng và báo cáo.",
        "Các nhiệm vụ được giao, nhắc việc, đôn đốc và tiếp nhận kết quả qua hệ thống theo dõi "
        f"nhiệm vụ: đã gửi {notices.get(NoticeKind.REMINDER, 0)} lượt nhắc việc, "
        f"{notices.get(NoticeKind.OVERDUE, 0)} lượt đôn đốc và "
        f"{notices.get(NoticeKind.ESCALATION, 0)} lượt báo cáo Giám đốc về nhiệm vụ quá hạn; "
        f"đến ngày {dmy(local_date(now))}, đã tiếp nhận kết quả {len(done)}/{len(live)} nhiệm vụ.",
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


def _form(ctx: PlanContext, facts: Facts, activity: Activity) -> FormResult:
    entries = facts.of_activity(activity.code)
    reports = _in_directory_order(
        ctx, [e for e in entries if e.task.key.stage is Stage.REPORT and e.payload is not None]
    )
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
        counts=_counts(reports),
        summary=_summary(ctx, reports),
        links=_unique(ev.text for ev in evidence),
        topics=[t.code for t in ctx.plan.all_topics() if t.code in topics],
        estimate=carries_estimate(ctx.plan, activity, ctx.app.calendar),
    )


def _assigned(ctx: PlanContext, activity: Activity) -> tuple[list[str], list[str]]:
    """Names of the lead and coordinating units, as the directory resolves the plan's text."""
    directory = ctx.directory
    leads = directory.resolve(activity.lead.units, activity.lead.groups)
    helpers = activity.coordinators
    others = directory.resolve(helpers.units, helpers.groups) if helpers else []
    names = {u.code: u.name for u in directory.units}
    lead_names = [names[c] for c in leads] or [activity.lead.as_written]
    return lead_names, [names[c] for c in others if c not in leads]


def _counts(reports: list[Entry]) -> dict[str, int]:
    """Each count summed over the units' latest reports; execute check-ins are not added,
    since a report states the activity's whole result."""
    total: Counter[str] = Counter()
    for entry in reports:
        for key, value in ((entry.payload or {}).get("counts") or {}).items():
            if key in RESULT_COUNTS and type(value) is int and value >= 0:
                total[key] += value
    return dict(total)


def _summary(ctx: PlanContext, reports: list[Entry]) -> list[str]:
    lines = []
    for entry in reports:
        name = _unit_name(ctx, entry.unit)
        if content := entry.text("content"):
            lines.append(f"{name}: {content}")
        if estimate := entry.text("estimate"):
            lines.append(f"{name} (ước thực hiện đến hết năm {ctx.plan.year}): {estimate}")
    return lines


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
    reported = [f for f in forms if f.summary or f.counts]
    if reported:
        numbers = ", ".join(str(f.number) for f in reported)
        lines.append(
            f"Có {len(reported)}/{len(forms)} hình thức tuyên truyền đã có kết quả báo cáo của "
            f"đơn vị (hình thức số {numbers})."
        )
    return [*lines, *facts.revision_lines("content")]


def _weaknesses(ctx: PlanContext, facts: Facts, *, now: datetime) -> list[str]:
    """Late and overdue tasks by unit. Units without a year-end report come from
    `missing_units`, which every layout states itself."""
    tally = buckets(facts, now=now)
    lines = []
    for found, wording in _LATE.items():
        entries = _in_directory_order(ctx, tally[found])
        if entries:
            per_unit = Counter(_unit_name(ctx, e.unit) for e in entries)
            units = "; ".join(f"{name} ({n})" for name, n in per_unit.items())
            lines.append(f"Có {len(entries)} nhiệm vụ {wording}: {units}.")
    return lines


def _said(ctx: PlanContext, facts: Facts, field: str) -> list[str]:
    """'<unit>: <text>' from each unit's year-end report, then its activity reports, once
    each; then the Office's revised text."""
    reports = [e for e in facts.entries if e.report and e.payload is not None]
    lines = [
        f"{_unit_name(ctx, e.unit)}: {text}"
        for e in _in_directory_order(ctx, reports)
        if (text := e.text(field))
    ]
    return _unique([*lines, *facts.revision_lines(field)])


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
    """Nơi nhận as NĐ 30/2020 writes it: '- …;' on each line, '- ….' on the last."""
    texts = [a.text.rstrip(" ;.") for a in ctx.plan.recipients]
    return [f"- {t};" for t in texts[:-1]] + [f"- {texts[-1]}."]


def _signer_name(ctx: PlanContext) -> str:
    directory = ctx.directory
    code = ctx.plan.reporting.consolidated_report.signed_by
    found = directory.recipient(code) if code else None
    found = found or next((r for r in directory.recipients if r.role == "director"), None)
    if found is None or canonical_name(found.name).startswith(_OFFICE_WORDS):
        return ""
    return found.name


def _in_directory_order(ctx: PlanContext, entries: list[Entry]) -> list[Entry]:
    """By unit as the directory lists them; a unit's year-end report before its activities."""
    order = {u.code: i for i, u in enumerate(ctx.directory.units)}
    return sorted(entries, key=lambda e: (order.get(e.unit, len(order)), not e.year_end, e.id))


def _unit_name(ctx: PlanContext, code: str) -> str:
    unit = ctx.directory.unit(code)
    return unit.name if unit else code


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
