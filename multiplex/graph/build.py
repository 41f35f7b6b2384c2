"""The LangGraph graphs, compiled once; each run hands them its `GraphContext`.

baseline / contextual / perspective / task:  START -> answer -> END
mas:  START -> [plan] -> Send(perspective) x N + Send(considerations) (in parallel) -> synthesize -> END
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from multiplex.graph.context import GraphContext
from multiplex.graph.nodes import answer, considerations, fan_out, perspective, plan
from multiplex.graph.state import ConsiderationsInput, GraphState, PerspectiveInput
from multiplex.graph.synthesize import synthesize


def build_single() -> Any:
    graph = StateGraph(GraphState, context_schema=GraphContext)
    graph.add_node("answer", answer)
    graph.add_edge(START, "answer")
    graph.add_edge("answer", END)
    return graph.compile()


def build_mas(planner: bool) -> Any:
    graph = StateGraph(GraphState, context_schema=GraphContext)
    # mypy cannot take a TypedDict class as `type[NodeInputT]`; LangGraph reads the Send payload by it.
    graph.add_node("perspective", perspective, input_schema=PerspectiveInput)  # type: ignore[call-overload]
    graph.add_node("considerations", considerations, input_schema=ConsiderationsInput)  # type: ignore[call-overload]
    graph.add_node("synthesize", synthesize)
    branches = ["perspective", "considerations"]
    if planner:
        graph.add_node("plan", plan)
        graph.add_edge(START, "plan")
        graph.add_conditional_edges("plan", fan_out, branches)
    else:
        graph.add_conditional_edges(START, fan_out, branches)
    for branch in branches:  # both run in one superstep: the synthesis runs once, after all of them
        graph.add_edge(branch, "synthesize")
    graph.add_edge("synthesize", END)
    return graph.compile()


SINGLE = build_single()
MAS = build_mas(planner=False)
MAS_PLANNED = build_mas(planner=True)


def graph_for(mode: str, ctx: GraphContext) -> Any:
    if mode != "mas":
        return SINGLE
    return MAS_PLANNED if ctx.plans() else MAS
