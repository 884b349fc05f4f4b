"""The portal's pages in Vietnamese: the plan's own topic numbers, words at a cut, the
Office's figures, audit and refusals named in Vietnamese, the four buckets as worded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.policy import Stage
from domain.task import TaskKey
from tests.integration.conftest import World
from tests.integration.portal_kit import EVIDENCE_KEY, link, login, portal_client, task_id

EXECUTE_KEY = TaskKey("iso-training", "TDC", Stage.EXECUTE)


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    with portal_client(world, tmp_path / "uploads") as client:
        yield client


def test_topics_carry_the_plans_numbering_and_are_cut_at_a_word(
    world: World, client: TestClient
) -> None:
    page = client.get(link(world, EVIDENCE_KEY)).text
    assert '<input type="checkbox" name="topics" value="5dd" id="topic_5dd">' in page
    assert ">5đ. " in page
    assert ">5dd. " not in page
    shown = [t for t in world.plan.all_topics() if len(t.title or t.paragraphs[0]) > 90]
    assert shown  # the seed has long topics
    for topic in shown:
        text = topic.title or topic.paragraphs[0]
        head = page.split(f'id="topic_{topic.code}">', 1)[1].split("</span>", 1)[0]
        visible = head.split(">", 1)[1]
        assert visible.endswith("…")
        kept = visible.split(". ", 1)[1].removesuffix("…")
        assert text.startswith(kept)
        assert text[len(kept)] == " "  # the cut falls between words


def test_the_unit_form_names_the_form_of_propagation(world: World, client: TestClient) -> None:
    page = client.get(link(world, EVIDENCE_KEY)).text
    number = world.plan.activity("iso-training").number  # type: ignore[union-attr]
    assert f"— Hình thức {number}. " in page
    assert f'<td class="muted">Hình thức tuyên truyền</td><td>{number}. ' in page


def test_the_office_page_shows_figures_and_states_in_vietnamese(
    world: World, client: TestClient
) -> None:
    url = link(world, EXECUTE_KEY)
    answer = client.post(url, data={"content": "Đã mở 1 lớp", "count_news": "3"})
    assert answer.status_code == 200, answer.text
    login(client)
    page = client.get(f"/office/task/{task_id(world, EXECUTE_KEY)}").text
    assert "Tin, bài: 3" in page
    assert "news: 3" not in page
    assert "(Đã gửi, chờ Văn phòng xem xét)" in page
    assert "(submitted)" not in page
    assert "<td>Đơn vị gửi kết quả</td>" in page


def test_form_errors_name_the_field_in_vietnamese(world: World, client: TestClient) -> None:
    too_long = client.post(link(world), data={"content": "x", "responsible": "y" * 201})
    assert too_long.status_code == 400
    assert "Người phụ trách: dài quá mức cho phép (tối đa 200 ký tự)" in too_long.text
    assert "String should have" not in too_long.text
    links = "\n".join(f"https://x.example.vn/{n}" for n in range(51))
    many = client.post(link(world, EVIDENCE_KEY), data={"content": "x", "links": links})
    assert many.status_code == 400
    assert "Đường dẫn minh chứng: quá nhiều (tối đa 50 mục)" in many.text
    assert "List should have" not in many.text


def test_the_dashboard_spells_forms_and_buckets_out(world: World, client: TestClient) -> None:
    login(client)
    page = client.get("/office").text
    assert ">Hình thức 1</th>" in page
    assert ">HT1<" not in page
    assert "Quá hạn, chưa hoàn thành" in page
    assert "Chưa hoàn thành quá hạn" not in page
