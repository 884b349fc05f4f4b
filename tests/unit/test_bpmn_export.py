"""The exported BPMN: parses as BPMN 2.0, is drawn completely, says what the flows do."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import combinations
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.parser.BpmnParser import (  # type: ignore[import-untyped]
    BpmnParser,
    BpmnValidator,
)
from typer.testing import CliRunner

from cli.main import app
from documents.bpmn.export import YEAR_END, bpmn_filename, export_bpmn, process_id
from domain.calendar import WorkingCalendar
from domain.plan import Plan
from domain.policy import STAGE_LABELS_VI, Stage
from domain.units import UnitDirectory
from tests.conftest import PLAN_PATH, UNITS_PATH

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
FLOW_NODES = (
    "startEvent",
    "endEvent",
    "userTask",
    "sendTask",
    "serviceTask",
    "parallelGateway",
    "exclusiveGateway",
    "boundaryEvent",
)


@pytest.fixture(scope="module")
def exported(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar, tmp_path_factory
) -> list[Path]:
    out_dir = tmp_path_factory.mktemp("bpmn")
    return export_bpmn(plan, directory=directory, calendar=calendar, out_dir=out_dir)


def _root(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def _nodes(root: ET.Element, kind: str) -> list[ET.Element]:
    return root.findall(f".//bpmn:process/bpmn:{kind}", NS)


def _bounds(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        b = shape.find("dc:Bounds", NS)
        assert b is not None
        out[shape.get("bpmnElement", "")] = tuple(
            float(b.get(k, "")) for k in ["x", "y", "width", "height"]
        )
    return out  # type: ignore[return-value]


def test_one_file_per_activity_and_the_year_end(exported: list[Path], plan: Plan) -> None:
    names = [p.name for p in exported]
    assert names == [*(bpmn_filename(a.code) for a in plan.activities), "year-end-report.bpmn"]
    assert bpmn_filename("iso-training") == "iso-training.bpmn"


def test_spiffworkflow_parses_every_file_against_the_bpmn_schema(
    exported: list[Path], plan: Plan
) -> None:
    ids = [process_id(a.code) for a in plan.activities] + [process_id(YEAR_END)]
    for path, pid in zip(exported, ids, strict=True):
        parser = BpmnParser(validator=BpmnValidator())
        parser.add_bpmn_file(str(path))
        spec = parser.get_spec(pid)
        assert spec.name == pid
        assert parser.get_process_ids() == [pid]


def test_every_node_lane_and_pool_has_a_shape_and_every_flow_an_edge(
    exported: list[Path],
) -> None:
    for path in exported:
        root = _root(path)
        bounds = _bounds(root)
        drawn = [*(n.get("id") for k in FLOW_NODES for n in _nodes(root, k))]
        drawn += [lane.get("id") for lane in root.iterfind(".//bpmn:lane", NS)]
        drawn += [p.get("id") for p in root.iterfind(".//bpmn:participant", NS)]
        assert set(drawn) <= set(bounds), path.name
        assert all(w > 0 and h > 0 for _, _, w, h in bounds.values())
        edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
        flows = _nodes(root, "sequenceFlow")
        assert flows
        assert {f.get("id") for f in flows} == set(edges)
        for edge in edges.values():
            assert len(edge.findall("di:waypoint", NS)) >= 2
        plane = root.find(".//bpmndi:BPMNPlane", NS)
        assert plane is not None
        assert plane.get("bpmnElement") == root.find("bpmn:collaboration", NS).get("id")  # type: ignore[union-attr]


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


def test_the_layout_is_readable(exported: list[Path]) -> None:
    """Nodes sit inside their lane, lanes inside the pool, no two nodes overlap, and the
    flow runs left to right (a start event first, its end last)."""
    for path in exported:
        root = _root(path)
        bounds = _bounds(root)
        participant = root.find(".//bpmn:participant", NS)
        assert participant is not None
        pool = bounds[participant.get("id", "")]
        for lane in root.iterfind(".//bpmn:lane", NS):
            assert _inside(bounds[lane.get("id", "")], pool)
            for ref in lane.iterfind("bpmn:flowNodeRef", NS):
                assert _inside(bounds[ref.text or ""], bounds[lane.get("id", "")]), ref.text
        nodes = [
            n.get("id", "") for k in FLOW_NODES if k != "boundaryEvent" for n in _nodes(root, k)
        ]
        for a, b in combinations(nodes, 2):
            (ax, ay, aw, ah), (bx, by, bw, bh) = bounds[a], bounds[b]
            assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, (a, b)
        start = bounds[_nodes(root, "startEvent")[0].get("id", "")]
        assert all(start[0] <= bounds[n][0] for n in nodes)


def _lane_of(root: ET.Element, node_id: str) -> str:
    for lane in root.iterfind(".//bpmn:lane", NS):
        if node_id in [r.text for r in lane.iterfind("bpmn:flowNodeRef", NS)]:
            return lane.get("id", "")
    raise AssertionError(node_id)


def test_the_units_user_tasks_are_the_stages_in_order(exported: list[Path], plan: Plan) -> None:
    labels = [STAGE_LABELS_VI[s] for s in Stage]
    for path in exported[:-1]:
        root, bounds = _root(path), _bounds(_root(path))
        lead = [
            t for t in _nodes(root, "userTask") if _lane_of(root, t.get("id", "")) == "Lane_lead"
        ]
        lead.sort(key=lambda t: bounds[t.get("id", "")][0])
        names = [re.sub(r" \(kỳ \d+\)$", "", t.get("name", "")) for t in lead]
        assert list(dict.fromkeys(names)) == labels, path.name
    bulletins = _root(exported[2])
    executes = [
        t.get("name") for t in _nodes(bulletins, "userTask") if "Thực hiện" in str(t.get("name"))
    ]
    assert "Thực hiện (kỳ 1)" in executes  # year-round: one execute check-in per quarter


def test_reminders_are_non_interrupting_timers_and_escalate_to_the_director(
    exported: list[Path], plan: Plan
) -> None:
    root = _root(exported[4])  # iso-training: the lead alone, Quý I - II/2025
    timers = _nodes(root, "boundaryEvent")
    assert timers
    assert all(t.get("cancelActivity") == "false" for t in timers)
    assert all(t.find("bpmn:timerEventDefinition/bpmn:timeDate", NS) is not None for t in timers)
    first = [t.get("name") for t in timers if t.get("attachedToRef") == "UserTask_1"]
    assert first == [r.name for r in plan.policy.ladder]
    flows = {f.get("sourceRef"): f.get("targetRef") for f in _nodes(root, "sequenceFlow")}
    escalations = [t for t in timers if t.get("name") == "T+3"]
    for timer in escalations:
        assert _lane_of(root, str(flows[timer.get("id")])) == "Lane_director"
    assert {_lane_of(root, n.get("id", "")) for n in _nodes(root, "userTask")} >= {
        "Lane_lead",
        "Lane_office",
        "Lane_director",
    }


def test_the_report_is_handed_to_the_year_end_flow(exported: list[Path]) -> None:
    root = _root(exported[0])
    message = root.find("bpmn:message", NS)
    assert message is not None
    ends = [
        e
        for e in _nodes(root, "endEvent")
        if (m := e.find("bpmn:messageEventDefinition", NS)) is not None
        and m.get("messageRef") == message.get("id")
    ]
    assert [e.get("name") for e in ends] == ["Gửi báo cáo cho luồng báo cáo năm"]


def test_the_year_end_flow(exported: list[Path], directory: UnitDirectory) -> None:
    root = _root(exported[-1])
    lanes = [lane.get("name") for lane in root.iterfind(".//bpmn:lane", NS)]
    assert lanes == ["Các phòng, đơn vị thuộc Sở", "Văn phòng Sở", "Giám đốc Sở"]
    report = next(
        t for t in _nodes(root, "userTask") if t.get("name") == "Báo cáo kết quả của đơn vị"
    )
    cardinality = report.find("bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality", NS)
    assert cardinality is not None
    assert cardinality.text == str(len(directory.members("thuoc-so")))
    names = {n.get("name") for k in FLOW_NODES for n in _nodes(root, k)}
    assert {"Phê duyệt báo cáo tổng hợp", "Gửi UBND tỉnh, đồng gửi Sở Nội vụ"} <= names
    assert "Chỉ đạo đơn vị chậm báo cáo" in names
    timers = [t.get("name") for t in _nodes(root, "boundaryEvent")]
    assert timers == ["T-5", "T-2", "T0", "T+1", "T+3"]
    # 14/11/2025 is the units' due day; T-5 falls five working days earlier.
    dates = [
        t.findtext("bpmn:timerEventDefinition/bpmn:timeDate", None, NS)
        for t in _nodes(root, "boundaryEvent")
    ]
    assert dates[2] == "2025-11-14T07:30:00+07:00"
    assert dates[0] == "2025-11-07T07:30:00+07:00"


def test_names_with_xml_special_characters_are_escaped(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar, tmp_path: Path
) -> None:
    title = "Tọa đàm <CCHC> & \"chuyển đổi số\" '2025'"
    first = plan.activities[0]
    odd = first.model_copy(
        update={"title": title, "lead": first.lead.model_copy(update={"as_written": "A & B <C>"})}
    )
    changed = plan.model_copy(update={"activities": [odd, *plan.activities[1:]]})
    path = export_bpmn(changed, directory=directory, calendar=calendar, out_dir=tmp_path)[0]
    raw = path.read_text(encoding="utf-8")
    assert "&lt;CCHC&gt; &amp; &quot;chuyển đổi số&quot;" in raw
    root = _root(path)
    assert root.find(".//bpmn:process", NS).get("name") == f"1. {title}"  # type: ignore[union-attr]
    assert root.find(".//bpmn:lane", NS).get("name") == "Chủ trì: A & B <C>"  # type: ignore[union-attr]
    BpmnParser(validator=BpmnValidator()).add_bpmn_file(str(path))


def test_cli_writes_seven_files(tmp_path: Path) -> None:
    env = {"CCHC_PLAN_PATH": str(PLAN_PATH), "CCHC_UNITS_PATH": str(UNITS_PATH)}
    result = CliRunner().invoke(app, ["bpmn", "export", str(tmp_path / "bpmn")], env=env)
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "bpmn").glob("*.bpmn"))) == 7
    assert len(result.stdout.splitlines()) == 7


def test_cli_with_an_invalid_plan_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "plan.yaml"
    bad.write_text("code: x\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["bpmn", "export", str(tmp_path), "--plan", str(bad)])
    assert result.exit_code == 1
    assert f"error: {bad}" in result.stderr
