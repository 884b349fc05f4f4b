"""What a plan's record holds, read from the database: the plan as published in each version,
the report as sent, every submission version with its evidence files, and the audit trail.
Each piece names where it goes in the record's folder and what the index says of it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from domain.clock import LOCAL_TZ, local_date
from domain.errors import NotFound
from domain.plan import Plan
from domain.policy import Stage, stage_label
from domain.records import AuditEntry, Evidence, Submission
from domain.report_draft import DraftState, ReportDraft
from domain.task import Task
from domain.vi import dmy
from services.plan_lifecycle import stored
from services.ports import UnitOfWork
from services.uploads import content_path

PLAN_DIR, REPORT_DIR, UNITS_DIR, AUDIT_DIR = "01-ke-hoach", "02-bao-cao", "03-don-vi", "04-nhat-ky"
AUDIT_FILE = f"{AUDIT_DIR}/nhat-ky-thao-tac.csv"
AUDIT_COLUMNS = (
    "thời điểm",
    "người thực hiện",
    "thao tác",
    "đối tượng",
    "khóa",
    "lý do",
    "cũ",
    "mới",
)


@dataclass(frozen=True)
class Piece:
    """One file of the record: copied from `source`, or written from `data`."""

    path: str  # in the record's folder, with "/"
    title: str
    unit: str
    day: date | None
    source: Path | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class Record:
    plan: Plan
    heading: str
    pieces: list[Piece]
    report_sent: bool  # False: the plan's report was not made final yet


def read_record(uow: UnitOfWork, code: str, *, upload_dir: Path) -> Record:
    """Every piece of the plan's record; NotFound when the plan is not stored."""
    plan = uow.plans.get(code) if stored(uow, code) is not None else None
    if plan is None:
        known = ", ".join(p.code for p in uow.plans.listing()) or "none"
        raise NotFound(f"plan {code!r} is not stored: stored plans: {known}")
    issuer = plan.issuer.name
    tasks = uow.tasks.with_ids(plan=code)
    draft = uow.drafts.latest(plan=code)
    sent = draft is not None and draft.state in (DraftState.FINAL, DraftState.SENT)
    pieces = [
        *_plan_versions(uow, plan, issuer),
        *(_report(draft, issuer) if sent and draft is not None else []),
        *_hand_ins(uow, plan, tasks, upload_dir=upload_dir),
        _audit(uow, plan, tasks, issuer),
    ]
    heading = f"Hồ sơ Kế hoạch số {plan.number_symbol} ngày {dmy(plan.issued_on)}: {plan.title}"
    return Record(plan, heading, _unique(pieces), report_sent=sent)


def _plan_versions(uow: UnitOfWork, plan: Plan, issuer: str) -> Iterator[Piece]:
    """Each published version as its YAML document; the stored document too when it was
    loaded but never published as it stands."""
    versions = uow.plans.versions(plan.code)
    for version in versions:
        document = uow.plans.version_document(plan.code, version.number) or {}
        why = f": {version.reason}" if version.reason else ""
        yield Piece(
            f"{PLAN_DIR}/{plan.code}-phien-ban-{version.number}.yaml",
            f"Kế hoạch số {plan.number_symbol}, phiên bản {version.number}{why}",
            issuer,
            local_date(version.published_at),
            data=_yaml(document),
        )
    current = uow.plans.stored(plan.code)
    if current is not None and (not versions or versions[-1].content_hash != current[0]):
        yield Piece(
            f"{PLAN_DIR}/{plan.code}-chua-ban-hanh.yaml",
            f"Kế hoạch số {plan.number_symbol} (bản đã nạp, chưa ban hành)",
            issuer,
            plan.issued_on,
            data=_yaml(current[1]),
        )


def _report(draft: ReportDraft, issuer: str) -> Iterator[Piece]:
    name = f"Báo cáo số {draft.number_symbol}"
    day = draft.issued_on
    if draft.final_docx_path:
        docx = Path(draft.final_docx_path)
        yield Piece(f"{REPORT_DIR}/{docx.name}", f"{name} (bản Word)", issuer, day, docx)
    if draft.final_pdf_path:
        pdf = Path(draft.final_pdf_path)
        signed = f"bản PDF ký số: {draft.signed_by}" if draft.signed_by else "bản PDF"
        yield Piece(f"{REPORT_DIR}/{pdf.name}", f"{name} ({signed})", issuer, day, pdf)


def _hand_ins(
    uow: UnitOfWork, plan: Plan, tasks: list[tuple[int, Task]], *, upload_dir: Path
) -> Iterator[Piece]:
    """Each submission version as JSON (with its links), its files beside it: a folder per
    unit and activity."""
    files: dict[int | None, list[Evidence]] = {}
    for item in uow.submissions.evidence([task_id for task_id, _task in tasks]):
        files.setdefault(item.submission_id, []).append(item)
    for task_id, task in sorted(tasks, key=lambda found: _place(plan, found[1])):
        key = task.key
        unit = uow.units.get(key.unit)
        unit_name = unit.name if unit else key.unit
        activity = plan.activity(key.activity)
        what = f"{activity.title}, " if activity else ""
        folder = f"{UNITS_DIR}/{key.unit}/{key.activity}"
        for submission in uow.submissions.versions(task_id):
            evidence = files.get(submission.id, [])
            stem = f"{key.stage.value}-{key.seq}-lan-{submission.version}"
            label = f"{what}{stage_label(key.stage, key.seq)}"
            day = local_date(submission.submitted_at)
            yield Piece(
                f"{folder}/{stem}.json",
                f"Kết quả gửi lần {submission.version}: {label}",
                unit_name,
                day,
                data=_submission_json(task, submission, evidence),
            )
            for item in evidence:
                if item.kind == "file" and item.sha256:
                    yield Piece(
                        f"{folder}/{stem}-{item.filename or f'minh-chung-{item.id}'}",
                        f"Minh chứng: {item.description or item.filename} ({label})",
                        unit_name,
                        day,
                        content_path(upload_dir, item.sha256),
                    )


def _place(plan: Plan, task: Task) -> tuple[str, int, int, int]:
    """By unit, then the activity's number in the plan, the stage and the check-in."""
    key, activity = task.key, plan.activity(task.key.activity)
    return key.unit, activity.number if activity else 0, list(Stage).index(key.stage), key.seq


def _submission_json(task: Task, submission: Submission, evidence: list[Evidence]) -> bytes:
    document: dict[str, Any] = {
        "nhiem_vu": str(task.key),
        "lan_gui": submission.version,
        "thoi_diem": submission.submitted_at.isoformat(),
        "nguoi_gui": submission.submitted_by,
        "noi_dung": submission.payload,
        "minh_chung": [
            {"loai": e.kind, "duong_dan": e.url, "tep": e.filename, "mo_ta": e.description}
            for e in evidence
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def _audit(uow: UnitOfWork, plan: Plan, tasks: list[tuple[int, Task]], issuer: str) -> Piece:
    keys = _task_keys(uow, plan, tasks)  # once: a province's year has tens of thousands
    entries = [e for e in uow.audit.entries() if _of_plan(e, plan, keys)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AUDIT_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.at.astimezone(LOCAL_TZ).isoformat(),
                e.actor,
                e.action,
                e.entity,
                e.entity_key,
                e.reason,
            ]
            + [json.dumps(v, ensure_ascii=False) if v is not None else "" for v in (e.old, e.new)]
        )
    last = local_date(entries[-1].at) if entries else None
    title = f"Nhật ký thao tác của kế hoạch ({len(entries)} mục)"
    # With a byte-order mark: spreadsheet programs then read the Vietnamese as UTF-8.
    return Piece(AUDIT_FILE, title, issuer, last, data=out.getvalue().encode("utf-8-sig"))


def _task_keys(uow: UnitOfWork, plan: Plan, tasks: list[tuple[int, Task]]) -> dict[str, bool]:
    """This plan's task keys → whether another stored plan has a task of the same key (a
    task's audit key names no plan: the entry's year then tells the plans apart)."""
    mine = {str(task.key) for _id, task in tasks}
    shared: set[str] = set()
    for other in uow.plans.listing():
        if other.code != plan.code:
            shared |= mine & {str(t.key) for t in uow.tasks.find(plan=other.code)}
    return {key: key in shared for key in mine}


def _of_plan(entry: AuditEntry, plan: Plan, task_keys: dict[str, bool]) -> bool:
    key, code = entry.entity_key, plan.code
    if entry.entity == "task":
        return key in task_keys and (not task_keys[key] or local_date(entry.at).year == plan.year)
    return (entry.entity == "plan" and key == code) or key.startswith((f"{code}#", f"{code}:"))


def _unique(pieces: list[Piece]) -> list[Piece]:
    """The pieces with paths made unique (a second "anh.jpg" in a folder becomes "anh-2.jpg")."""
    taken: set[str] = set()
    found = []
    for piece in pieces:
        path, n = PurePosixPath(piece.path), 1
        while str(path) in taken:
            n += 1
            original = PurePosixPath(piece.path)
            path = original.with_name(f"{original.stem}-{n}{original.suffix}")
        taken.add(str(path))
        found.append(piece if n == 1 else _moved(piece, str(path)))
    return found


def _moved(piece: Piece, path: str) -> Piece:
    return Piece(path, piece.title, piece.unit, piece.day, piece.source, piece.data)


def _yaml(document: dict[str, Any]) -> bytes:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100).encode()
