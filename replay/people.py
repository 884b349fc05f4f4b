"""The replay's simulated people: units that answer through the portal's HTTP endpoints
(some late) and a Director who approves.

Nothing here decides what the system does: the flows and services do, exactly as in
production. This module only plays the people.
"""

from __future__ import annotations

import html
import itertools
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx

from domain.calendar import WorkingCalendar
from domain.clock import FixedClock
from domain.policy import Stage
from domain.task import DONE_STATES, Task
from domain.year_end import YEAR_END
from replay.schedule import Answer, draw, planned_answer
from replay.served import AT_HEADER, Served
from services.ports import UnitOfWork
from storage.db import chunks
from storage.replay_reads import ReplayReads

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
_LINK = re.compile(r"https?://[^\s/]+(/t/[\w.-]+)")
DIRECTOR, CLERK = "giamdoc", "vanthu"  # the portal accounts the replay logs in with
HANDS = 4  # answers handed in side by side (each unit's own answers one after another)
Hand = tuple[datetime, str, Task]  # when an answer is handed in, its link, its task


@dataclass
class People:
    """The simulated units and Director at the portal (over HTTP, the portal served by
    processes of its own), acting at the replay's clock and reading their mail from the
    outbox; `on_day` is told each simulated day as it starts. Units hand their answers in
    side by side, each at its own simulated instant. `close` ends their HTTP clients."""

    portal: Served
    mail: ReplayReads
    clock: FixedClock
    calendar: WorkingCalendar
    director_password: str
    on_day: Callable[[date], None] = lambda _day: None
    answered: set[str] = field(default_factory=set)
    submissions: int = 0
    late: int = 0
    _links: dict[int, str] = field(default_factory=dict)  # task id → newest link mailed
    _mails_read: int = 0  # the outbox is read from here on
    _waiting: dict[int, Answer] = field(default_factory=dict)  # linked, not answered yet
    _planned: set[int] = field(default_factory=set)  # every task id ever put in _waiting
    client: httpx.Client = field(init=False)  # the Director's and the văn thư's
    _hands: ThreadPoolExecutor = field(init=False)
    _clients: list[httpx.Client] = field(default_factory=list)  # every client opened
    _local: threading.local = field(default_factory=threading.local)
    _next: Iterator[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self._hands = ThreadPoolExecutor(HANDS, thread_name_prefix="replay-unit")
        self.client = self._open()

    def close(self) -> None:
        self._hands.shutdown()
        for client in self._clients:
            client.close()

    def _open(self) -> httpx.Client:
        self._clients.append(self.portal.client(next(self._next)))
        return self._clients[-1]

    def _own_client(self) -> httpx.Client:
        """The calling thread's client (its own connection, the processes taken in turn)."""
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._open()
        return client

    def _at(self, at: datetime | None = None) -> dict[str, str]:
        return {AT_HEADER: (at or self.clock.now()).isoformat()}

    def links(self) -> dict[int, str]:
        """The newest portal link mailed for each task (what a unit would click); only the
        mails queued since the last call are read."""
        for mail in self.mail.assignments_after(self._mails_read):
            match = _LINK.search(mail.body)
            if mail.task_id is not None and match:
                self._links[mail.task_id] = match.group(1)
            self._mails_read = mail.mail_id
        return self._links

    def answer_due(self, uow: UnitOfWork, plan: str, *, until: datetime) -> set[str]:
        """Every answer planned up to `until` whose link has arrived, in time order; the
        activities touched. A unit whose link came after its planned time answers at once.
        Each task is read when its link arrives and when its answer is due, not every day."""
        links = self.links()
        for task_id, task in _read(uow, plan, [i for i in links if i not in self._planned]):
            self._planned.add(task_id)
            answer = planned_answer(task, self.calendar)
            if answer is not None:
                self._waiting[task_id] = answer
        ready = [i for i, answer in self._waiting.items() if answer.when <= until]
        due = []
        for task_id, task in _read(uow, plan, ready):
            answer = self._waiting.pop(task_id)  # answered below, or done already
            if str(task.key) not in self.answered and task.state not in DONE_STATES:
                due.append((answer.when, links[task_id], task))
        touched = set()
        by_unit: dict[str, list[Hand]] = {}
        for when, link, task in sorted(due, key=lambda d: (d[0], str(d[2].key))):
            self.clock.set(max(when, self.clock.now()))
            by_unit.setdefault(task.key.unit, []).append((self.clock.now(), link, task))
            self.late += self.clock.now() >= task.due_at
            touched.add(task.key.activity)
        for queued in self._hand_in(list(by_unit.values())):
            self.answered.add(str(queued[2].key))
            self.submissions += 1
        return touched

    def _hand_in(self, units: list[list[Hand]]) -> list[Hand]:
        """Each unit's answers in their order, the units side by side; the answers handed in
        (all of them, or the first failure raised)."""
        done = [self._hands.submit(self._hand_in_each, answers) for answers in units]
        return [answer for future in done for answer in future.result()]

    def _hand_in_each(self, answers: list[Hand]) -> list[Hand]:
        for at, link, task in answers:
            self._submit(self._own_client(), at, link, task)
        return answers

    def _submit(self, client: httpx.Client, at: datetime, link: str, task: Task) -> None:
        page = client.get(link, headers=self._at(at))
        assert page.status_code == 200, f"{task.key}: {page.status_code}"
        data, files = self._form(task, page.text)
        answer = client.post(link, data=data, files=files, headers=self._at(at))
        assert answer.status_code == 200, f"{task.key}: {answer.status_code} {answer.text[:200]}"

    def _form(self, task: Task, page: str) -> tuple[dict[str, Any], dict[str, Any]]:
        n = draw(str(task.key))
        stage = task.key.stage
        data: dict[str, Any] = {"content": f"{_WHAT[stage]} ({task.key.unit}, {task.due_on:%d/%m})"}
        if stage is Stage.REPORT:  # what units write at the end: often the same sentences
            data["content"] = _RESULTS[n % len(_RESULTS)]
        files: dict[str, Any] = {}
        if stage is Stage.PLAN:
            data["responsible"] = "Chuyên viên phụ trách CCHC"
        if stage in (Stage.EXECUTE, Stage.REPORT):
            data.update(
                count_news=str(n % 7 + 1),
                count_events=str(n % 3),
                count_participants=str(20 + n % 80),
            )
        if stage in (Stage.EVIDENCE, Stage.REPORT):
            data["links"] = f"https://skhcn.quangngai.gov.vn/cchc/{task.key.activity}/{n % 1000}"
            data["topics"] = re.findall(r'name="topics" value="([^"]+)"', page)[n % 3 :: 4][:2]
        if stage is Stage.EVIDENCE and n % 2:
            files["file_1"] = ("bien-ban.pdf", PDF + str(task.key).encode(), "application/pdf")
            data["file_1_desc"] = "Biên bản, hình ảnh hoạt động"
        if stage is Stage.REPORT:
            data["difficulties"] = _DIFFICULTIES[n % len(_DIFFICULTIES)] if n % 3 == 0 else ""
            data["proposals"] = _PROPOSALS[n % len(_PROPOSALS)] if n % 4 == 0 else ""
            data["estimate"] = "Duy trì các hoạt động tuyên truyền như hiện nay."
        if task.key.activity == YEAR_END:  # the prefilled form, confirmed as it stands
            for name, value in re.findall(r'name="(count_\w+)"[^>]*value="(\d*)"', page):
                data[name] = value
            prefilled = re.search(r'id="content"[^>]*>([^<]*)</textarea>', page)
            if prefilled and prefilled.group(1).strip():
                data["content"] = html.unescape(prefilled.group(1))
        return data, files

    def _login(self, username: str) -> None:
        self.client.cookies.clear()
        login = self.client.get("/office/login", headers=self._at()).text
        token = re.search(r'name="csrf" value="([^"]+)"', login)
        assert token
        self.client.post(
            "/office/login",
            data={"csrf": token.group(1), "username": username, "password": self.director_password},
            headers=self._at(),
        )

    def clerk_numbers(self, number: int) -> str:
        """The văn thư logs in, gives the approved report its number and today's date (the
        form's default); the number given."""
        self._login(CLERK)
        page = self.client.get("/director", headers=self._at()).text
        form = re.search(r'<form method="post" action="([^"]+)" id="finalize">', page)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        day = re.search(r'id="issued_on" name="issued_on" type="date" value="([^"]+)"', page)
        if form is None or csrf is None or day is None:
            raise RuntimeError("no approved report waiting for its number")
        answer = self.client.post(
            html.unescape(form.group(1)),
            data={"csrf": csrf.group(1), "number": str(number), "issued_on": day.group(1)},
            follow_redirects=False,
            headers=self._at(),
        )
        assert answer.status_code == 303, re.findall(r"class=\"error\">([^<]*)", answer.text)
        self.client.cookies.clear()
        return str(number)

    def director_approves(self) -> int:
        """The Director logs in, reads the draft and approves it; the version approved."""
        self._login(DIRECTOR)
        page = self.client.get("/director", headers=self._at()).text
        version = re.search(r'action="(/director/(\d+)/approve[^"]*)"', page)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        if version is None or csrf is None:
            raise RuntimeError("no draft waiting for the Director")
        answer = self.client.post(
            html.unescape(version.group(1)),
            data={"csrf": csrf.group(1)},
            follow_redirects=False,
            headers=self._at(),
        )
        assert answer.status_code == 303, re.findall(r"class=\"error\">([^<]*)", answer.text)
        self.client.cookies.clear()
        return int(version.group(2))


def _read(uow: UnitOfWork, plan: str, ids: list[int]) -> Iterator[tuple[int, Task]]:
    for chunk in chunks(ids):
        yield from uow.tasks.with_ids(plan=plan, ids=chunk)


_WHAT = {
    Stage.PLAN: "Kế hoạch thực hiện: đăng tin định kỳ, phân công người phụ trách",
    Stage.EXECUTE: "Đã thực hiện theo kế hoạch trong kỳ",
    Stage.EVIDENCE: "Minh chứng: đường dẫn bài viết, biên bản, hình ảnh",
    Stage.REPORT: "Kết quả thực hiện đạt yêu cầu của Kế hoạch",
}
_RESULTS = [
    "Đã đăng tải đầy đủ tin, bài về cải cách hành chính theo Kế hoạch.",
    "Đã tuyên truyền lồng ghép trong các cuộc họp giao ban của đơn vị.",
    "Đã phổ biến các văn bản về cải cách hành chính đến toàn thể công chức, viên chức.",
]
_DIFFICULTIES = [
    "Nhân lực làm công tác tuyên truyền còn kiêm nhiệm.",
    "Kinh phí cho hoạt động tuyên truyền còn hạn chế.",
    "Một số tin bài chưa được cập nhật kịp thời.",
]
_PROPOSALS = [
    "Đề nghị bố trí kinh phí tập huấn kỹ năng viết tin bài.",
    "Đề nghị tăng cường phối hợp với Báo Quảng Ngãi.",
]
