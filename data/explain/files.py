"""Plans in files: save a session's plans, and read a plan back or from production logs.

A saved plan is a small JSON document holding the statement, the options it was run
with and PostgreSQL's own JSON plan, so that it can be analysed again by a later version
of the console. Anything else is read as a plan as PostgreSQL prints it, in JSON or in
text (psql's frames and wrapped lines, auto_explain's log lines): see text_format.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from data.explain.analysis import analyse_plan
from data.explain.runner import ExplainOptions, ExplainResult
from data.explain.text_format import parse_plan
from data.output_file import output_file

FORMAT_KEY = "console_plan"
FORMAT_VERSION = 1


def plan_document(result: ExplainResult) -> dict[str, Any]:
    return {
        FORMAT_KEY: FORMAT_VERSION,
        "label": result.label,
        "sql": result.sql,
        "options": asdict(result.options) if result.options else None,
        "seconds": result.seconds,
        "plan": result.document,
    }


def save_plans(path: Path, results: list[ExplainResult], *, replace: bool = False) -> None:
    """Write one plan as a document, several as a JSON array of documents. The file lands
    only whole (data.output_file).

    Raises:
        OutputExists: `path` is an existing file and `replace` is false.
        OSError: it cannot be written.
    """
    documents = [plan_document(result) for result in results]
    payload: Any = documents[0] if len(documents) == 1 else documents
    with output_file(path, replace=replace) as out:
        out.write(json.dumps(payload, indent=2, default=str) + "\n")


def plans_from_text(text: str, label: str = "pasted plan") -> list[ExplainResult]:
    """The plans in a text: saved documents, or one plan in PostgreSQL's JSON or text format.

    Raises:
        ValueError: the text holds no plan; the message says why, in one line.
    """
    saved = _saved_documents(text)
    if saved is not None:
        return [_from_saved(document, label) for document in saved]
    document = parse_plan(text)
    return [ExplainResult(sql="", options=None, document=document, analysis=analyse_plan(document), label=label)]


def load_plans(path: Path) -> list[ExplainResult]:
    """The plans in a file (see plans_from_text).

    Raises:
        ValueError: unreadable, not text, or no plan in it.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ValueError(f"cannot read {path.name}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path.name} is not a text file (not UTF-8)") from None
    return plans_from_text(text, label=path.name)


def _saved_documents(text: str) -> list[dict[str, Any]] | None:
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    documents = payload if isinstance(payload, list) else [payload]
    if documents and all(isinstance(d, dict) and FORMAT_KEY in d for d in documents):
        return documents
    return None


def _from_saved(document: dict[str, Any], label: str) -> ExplainResult:
    plan = document.get("plan")
    if not isinstance(plan, dict):
        raise ValueError("a saved plan without its plan")
    options = document.get("options")
    known = set(ExplainOptions.__dataclass_fields__)
    return ExplainResult(
        sql=str(document.get("sql") or ""),
        options=ExplainOptions(**{k: v for k, v in options.items() if k in known})
        if isinstance(options, dict)
        else None,
        document=plan,
        analysis=analyse_plan(plan),
        seconds=float(document.get("seconds") or 0.0),
        label=str(document.get("label") or label),
    )
