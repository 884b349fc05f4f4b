"""Lays a Diagram out left to right (columns by step, rows by lane) and writes BPMN 2.0 XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from documents.bpmn.model import Diagram, Flow, Node

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_PREFIXES = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI}

POOL_LABEL = 30  # the pool's name band on the left
LANE_LABEL = 30  # each lane's name band
MAIN_ROW = 130  # a lane's row of tasks (boundary events stick out below it)
SUB_ROW = 90  # the row under it, for the ends of reminder paths
BOUNDARY_STEP = 56  # spacing of boundary events along a task's lower edge
_SIZES = {"event": (36, 36), "gateway": (50, 50), "task": (120, 80)}


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


def _size(diagram: Diagram, node: Node) -> tuple[float, float]:
    if node.is_event:
        return _SIZES["event"]
    if node.is_gateway:
        return _SIZES["gateway"]
    timers = sum(1 for n in diagram.nodes if n.attached_to == node.id)
    width, height = _SIZES["task"]
    return max(width, timers * BOUNDARY_STEP + 8), height


def layout(diagram: Diagram, *, origin: float = 20) -> dict[str, Box]:
    """Bounds of the pool (process id), every lane and every node."""
    placed = [n for n in diagram.nodes if n.attached_to is None and n.below is None]
    columns = max((n.col for n in diagram.nodes), default=0) + 1
    widths = [80.0] * columns
    for node in placed:
        widths[node.col] = max(widths[node.col], _size(diagram, node)[0] + 60)
    lefts = [origin + POOL_LABEL + LANE_LABEL + 20 + sum(widths[:c]) for c in range(columns)]
    boxes: dict[str, Box] = {}
    top = origin
    for lane in diagram.lanes:
        mine = [n for n in diagram.nodes if n.lane == lane.id]
        height = MAIN_ROW + (SUB_ROW if any(n.row for n in mine) else 0)
        for node in (n for n in placed if n.lane == lane.id):
            w, h = _size(diagram, node)
            y = top + (MAIN_ROW - h) / 2 if node.row == 0 else top + MAIN_ROW + 15
            boxes[node.id] = Box(lefts[node.col] + (widths[node.col] - w) / 2, y, w, h)
        boxes[lane.id] = Box(origin + POOL_LABEL, top, 0, height)
        top += height
    width = lefts[-1] + widths[-1] + 20 - origin
    for lane in diagram.lanes:
        old = boxes[lane.id]
        boxes[lane.id] = Box(old.x, old.y, width - POOL_LABEL, old.h)
    boxes[diagram.process_id] = Box(origin, origin, width, top - origin)
    _attach(diagram, boxes)
    return boxes


def _attach(diagram: Diagram, boxes: dict[str, Box]) -> None:
    """Boundary events on their host's lower edge; what hangs below them, under them."""
    for node in diagram.nodes:
        if node.attached_to is not None:
            host = boxes[node.attached_to]
            x = host.x + 4 + node.slot * BOUNDARY_STEP + (BOUNDARY_STEP - 36) / 2
            boxes[node.id] = Box(x, host.bottom - 18, 36, 36)
    for node in diagram.nodes:
        if node.below is not None:
            above, lane = boxes[node.below], boxes[node.lane]
            boxes[node.id] = Box(above.x, lane.y + MAIN_ROW + 15, 36, 36)


def waypoints(diagram: Diagram, flow: Flow, boxes: dict[str, Box]) -> list[tuple[float, float]]:
    """An orthogonal path from source to target, always at least two points."""
    source, target = diagram.node(flow.source), diagram.node(flow.target)
    s, t = boxes[source.id], boxes[target.id]
    if source.attached_to is not None:
        if abs(s.cx - t.cx) < 1:
            return [(s.cx, s.bottom), (t.cx, t.y)]
        turn = s.bottom + 12  # under the task, above the reminder ends
        return [(s.cx, s.bottom), (s.cx, turn), (t.cx, turn), (t.cx, t.y)]
    down = t.cy > s.cy
    if t.cx < s.x:  # back to an earlier step: along the source's row, then to the target
        return [(s.x, s.cy), (t.cx, s.cy), (t.cx, t.y if down else t.bottom)]
    if abs(s.cy - t.cy) < 1:
        return [(s.right, s.cy), (t.x, t.cy)]
    if abs(s.cx - t.cx) < 1:
        return [(s.cx, s.bottom), (t.cx, t.y)] if down else [(s.cx, s.y), (t.cx, t.bottom)]
    if source.is_gateway and len(source.outgoing) > 1 and source.kind != "exclusiveGateway":
        # a split: down (or up) first, so the branches leave it side by side
        return [(s.cx, s.bottom if down else s.y), (s.cx, t.cy), (t.x, t.cy)]
    if down or (target.is_gateway and len(target.incoming) > 1):
        # along the source's row, then straight into the target (or a join) from above or
        # below: the columns between hold no node in that row, and a task's lower edge is
        # left to its timers
        return [(s.right, s.cy), (t.cx, s.cy), (t.cx, t.y if down else t.bottom)]
    middle = (s.right + t.x) / 2
    return [(s.right, s.cy), (middle, s.cy), (middle, t.cy), (t.x, t.cy)]


def _el(parent: ET.Element, ns: str, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)


def _expression(parent: ET.Element, tag: str, text: str) -> None:
    _el(parent, BPMN, tag, **{f"{{{XSI}}}type": "bpmn:tFormalExpression"}).text = text


def _node(process: ET.Element, node: Node) -> None:
    attrs = {"id": node.id, "name": node.name}
    if node.attached_to is not None:
        attrs |= {"attachedToRef": node.attached_to, "cancelActivity": "false"}
    if node.default:
        attrs["default"] = node.default
    element = _el(process, BPMN, node.kind, **attrs)
    if node.documentation:
        _el(element, BPMN, "documentation").text = node.documentation
    for tag in ("incoming", "outgoing"):
        for flow_id in getattr(node, tag):
            _el(element, BPMN, tag).text = flow_id
    if node.loop is not None:
        loop = _el(element, BPMN, "multiInstanceLoopCharacteristics", isSequential="false")
        _expression(loop, "loopCardinality", str(node.loop))
    if node.message is not None:
        ref = {"messageRef": node.message} if node.message else {}
        _el(element, BPMN, "messageEventDefinition", id=f"{node.id}_message", **ref)
    if node.timer is not None:
        timer = _el(element, BPMN, "timerEventDefinition", id=f"{node.id}_timer")
        _expression(timer, "timeDate", node.timer)


def _process(root: ET.Element, diagram: Diagram) -> None:
    process = _el(root, BPMN, "process", id=diagram.process_id, name=diagram.name)
    process.set("isExecutable", "true")
    if diagram.documentation:
        _el(process, BPMN, "documentation").text = diagram.documentation
    lanes = _el(process, BPMN, "laneSet", id=f"{diagram.process_id}_lanes")
    for lane in diagram.lanes:
        element = _el(lanes, BPMN, "lane", id=lane.id, name=lane.name)
        for node in diagram.nodes:
            if node.lane == lane.id:
                _el(element, BPMN, "flowNodeRef").text = node.id
    for node in diagram.nodes:
        _node(process, node)
    for flow in diagram.flows:
        attrs = {"id": flow.id, "sourceRef": flow.source, "targetRef": flow.target}
        element = _el(process, BPMN, "sequenceFlow", **attrs, name=flow.name)
        if flow.condition:
            _expression(element, "conditionExpression", flow.condition)


def _bounds(parent: ET.Element, box: Box) -> None:
    values = {"x": box.x, "y": box.y, "width": box.w, "height": box.h}
    _el(parent, DC, "Bounds", **{k: f"{v:g}" for k, v in values.items()})


def _shapes(plane: ET.Element, diagram: Diagram, boxes: dict[str, Box], pool: str) -> None:
    horizontal = [(pool, diagram.process_id)] + [(lane.id, lane.id) for lane in diagram.lanes]
    for element_id, box_id in horizontal:
        shape = _el(plane, BPMNDI, "BPMNShape", id=f"{element_id}_di", bpmnElement=element_id)
        shape.set("isHorizontal", "true")
        _bounds(shape, boxes[box_id])
    for node in diagram.nodes:
        shape = _el(plane, BPMNDI, "BPMNShape", id=f"{node.id}_di", bpmnElement=node.id)
        box = boxes[node.id]
        _bounds(shape, box)
        if node.attached_to is not None or node.below is not None:
            # Labels beside (timers) or under (reminder ends), narrow so neighbours stay clear.
            label = _el(shape, BPMNDI, "BPMNLabel")
            beside = node.attached_to is not None
            x, y = (box.right - 4, box.bottom - 6) if beside else (box.x - 8, box.bottom + 4)
            _bounds(label, Box(x, y, 28 if beside else 52, 14 if beside else 27))
    for flow in diagram.flows:
        edge = _el(plane, BPMNDI, "BPMNEdge", id=f"{flow.id}_di", bpmnElement=flow.id)
        for x, y in waypoints(diagram, flow, boxes):
            _el(edge, DI, "waypoint", x=f"{x:g}", y=f"{y:g}")


def to_xml(diagram: Diagram, *, target_namespace: str) -> bytes:
    """The diagram as a BPMN 2.0 file: semantics plus complete diagram interchange."""
    for prefix, uri in _PREFIXES.items():
        ET.register_namespace(prefix, uri)
    pid = diagram.process_id
    root = ET.Element(f"{{{BPMN}}}definitions", id=f"Definitions_{pid}")
    root.set("targetNamespace", target_namespace)
    root.set("exporter", "cchc")
    for message_id, name in diagram.messages.items():
        _el(root, BPMN, "message", id=message_id, name=name)
    collaboration = _el(root, BPMN, "collaboration", id=f"Collaboration_{pid}")
    pool = f"Participant_{pid}"
    _el(collaboration, BPMN, "participant", id=pool, name=diagram.name, processRef=pid)
    _process(root, diagram)
    plane_parent = _el(root, BPMNDI, "BPMNDiagram", id=f"BPMNDiagram_{pid}")
    plane = _el(plane_parent, BPMNDI, "BPMNPlane", id=f"BPMNPlane_{pid}")
    plane.set("bpmnElement", collaboration.get("id", ""))
    _shapes(plane, diagram, layout(diagram), pool)
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
