"""EXPLAIN plan analysis: plain functions over PostgreSQL's JSON plans (no UI)."""

from data.explain.analysis import (
    Buffers,
    JitInfo,
    NodeAnalysis,
    PlanAnalysis,
    TriggerInfo,
    Warning,
    analyse_plan,
)

__all__ = [
    "Buffers",
    "JitInfo",
    "NodeAnalysis",
    "PlanAnalysis",
    "TriggerInfo",
    "Warning",
    "analyse_plan",
]
