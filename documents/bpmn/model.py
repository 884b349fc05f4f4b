"""A BPMN process as plain data: lanes, flow nodes on a grid of steps, sequence flows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Lane:
    id: str
    name: str


@dataclass
class Node:
    """A flow node placed on the grid: column = step, lane and row within the lane.

    Row 1 of a lane holds what hangs below a task (the ends of its reminder paths); a node
    `below` a boundary event sits under it; a boundary event sits on its host's lower edge.
    """

    id: str
    kind: str  # the BPMN element name: userTask, startEvent, parallelGateway, …
    name: str
    lane: str
    col: int
    row: int = 0
    documentation: str = ""
    timer: str | None = None  # ISO 8601 date-time of a timer event
    message: str | None = None  # id of the message a message event throws
    attached_to: str | None = None
    slot: int = 0  # a boundary event's place along its host's lower edge
    below: str | None = None
    loop: int | None = None  # parallel multi-instance: how many instances
    default: str | None = None  # a gateway's default flow
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)

    @property
    def is_event(self) -> bool:
        return self.kind.endswith("Event")

    @property
    def is_gateway(self) -> bool:
        return self.kind.endswith("Gateway")


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None


@dataclass
class Diagram:
    """One process in one pool; ids are made here, so they are always valid XML names."""

    process_id: str
    name: str
    documentation: str = ""
    lanes: list[Lane] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)

    def lane(self, key: str, name: str) -> str:
        lane = Lane(f"Lane_{key}", name)
        self.lanes.append(lane)
        return lane.id

    def add(self, kind: str, name: str, *, lane: str, col: int, **extra: object) -> Node:
        count = sum(1 for n in self.nodes if n.kind == kind) + 1
        node = Node(f"{kind[0].upper()}{kind[1:]}_{count}", kind, name, lane, col)
        for key, value in extra.items():
            setattr(node, key, value)
        self.nodes.append(node)
        return node

    def connect(
        self, source: Node, target: Node, *, name: str = "", condition: str | None = None
    ) -> Flow:
        flow = Flow(f"Flow_{len(self.flows) + 1}", source.id, target.id, name, condition)
        self.flows.append(flow)
        source.outgoing.append(flow.id)
        target.incoming.append(flow.id)
        return flow

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)
