"""EXPLAIN plan analysis: plain functions over PostgreSQL's plans, JSON or text (no UI)."""

from data.explain.analysis import (
    Buffers,
    JitInfo,
    NodeAnalysis,
    PlanAnalysis,
    PlanWarning,
    TriggerInfo,
    WorkerFigures,
    analyse_plan,
)
from data.explain.text_format import parse_plan, parse_text_plan

__all__ = [
    "Buffers",
    "JitInfo",
    "NodeAnalysis",
    "PlanAnalysis",
    "PlanWarning",
    "TriggerInfo",
    "WorkerFigures",
    "analyse_plan",
    "parse_plan",
    "parse_text_plan",
]
