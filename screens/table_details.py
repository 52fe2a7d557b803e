"""The Details pane of the Tables screen: one bordered grid per kind of fact about a table."""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Static

from data.details import TableDetails
from data.formatting import size_text
from widgets.cell_grid import Cell, CellGrid


def details_widgets(details: TableDetails) -> list[Widget]:
    """Columns, indexes, constraints, triggers, size and bloat, and upkeep, as grids."""
    table = details.table
    sections: list[Widget] = []
    summary = [
        ("Relation", Cell(f"{table.ref} ({table.kind.label})")),
        ("Key", Cell(table.key_source or "none: read-only, paged by cursor", None if table.key else "warning")),
    ]
    if table.comment:
        summary.append(("Comment", Cell(table.comment)))
    if details.partition_key:
        summary.append(("Partitioned by", Cell(details.partition_key)))
    if details.partition_of is not None:
        summary.append(("Partition of", Cell(f"{details.partition_of} {details.partition_bound or ''}".strip())))
    if details.size is not None:
        size = details.size
        summary.append(
            (
                "Size",
                Cell(
                    f"{size_text(size.total_bytes)} total: table {size_text(size.table_bytes)}, "
                    f"indexes {size_text(size.indexes_bytes)}, TOAST {size_text(size.toast_bytes)}"
                ),
            )
        )
    if details.bloat is not None:
        summary.append(("Bloat", bloat_cell(details)))
    if details.activity is not None:
        activity = details.activity
        summary.append(
            (
                "Rows",
                Cell(
                    f"{activity.live_tuples:,} live, {activity.dead_tuples:,} dead; "
                    f"{activity.seq_scans:,} seq scans, {activity.index_scans or 0:,} index scans"
                ),
            )
        )
        summary.append(("Vacuumed", Cell(latest(activity.last_vacuum, activity.last_autovacuum))))
        summary.append(("Analysed", Cell(latest(activity.last_analyze, activity.last_autoanalyze))))
    sections.append(grid("Table", 2, (), [(Cell(label, "muted"), cell) for label, cell in summary]))

    sections.append(
        grid(
            "Columns",
            4,
            ("Column", "Type", "Default", "Comment"),
            [
                (
                    Cell(column.name + ("" if column.nullable else " *")),
                    Cell(column.type_name + (f" (domain {column.domain})" if column.domain else "")),
                    Cell(column_default(column.default, column.identity, column.generated), "muted"),
                    Cell(column.comment or ""),
                )
                for column in table.columns
            ],
        )
    )
    if details.indexes:
        sections.append(
            grid(
                "Indexes",
                4,
                ("Index", "Size", "Scans", "Definition"),
                [
                    (
                        Cell(index.name + ("" if index.valid else " (INVALID)"), None if index.valid else "error"),
                        Cell(size_text(index.size_bytes), numeric=True),
                        Cell("-" if index.scans is None else f"{index.scans:,}", numeric=True),
                        Cell(index.definition.split(" USING ", 1)[-1], "muted"),
                    )
                    for index in details.indexes
                ],
            )
        )
    if details.constraints:
        sections.append(
            grid(
                "Constraints",
                3,
                ("Constraint", "Kind", "Definition"),
                [
                    (
                        Cell(item.name),
                        Cell(item.kind + ("" if item.validated else " (not validated)")),
                        Cell(item.definition, "muted"),
                    )
                    for item in details.constraints
                ],
            )
        )
    if details.triggers:
        sections.append(
            grid(
                "Triggers",
                3,
                ("Trigger", "State", "Definition"),
                [(Cell(item.name), Cell(item.enabled), Cell(item.definition, "muted")) for item in details.triggers],
            )
        )
    if table.foreign_keys or table.referenced_by:
        links = [
            (
                Cell(key.name),
                Cell(f"({', '.join(key.columns)}) → {key.referenced} ({', '.join(key.referenced_columns)})"),
            )
            for key in table.foreign_keys
        ] + [
            (Cell(key.name), Cell(f"{key.table} ({', '.join(key.columns)}) → here", "muted"))
            for key in table.referenced_by
        ]
        sections.append(grid("Foreign keys", 2, ("Name", "Link"), links))
    if details.view_definition:
        view = Static(details.view_definition.strip(), markup=False, classes="details-section")
        view.border_title = "Definition"
        sections.append(view)
    return sections


def grid(title: str, columns: int, headers: tuple[str, ...], rows: list[tuple[Cell, ...]]) -> CellGrid:
    section = CellGrid(columns, headers, classes="details-section")
    section.border_title = title
    section.rows = tuple(rows)
    return section


def bloat_cell(details: TableDetails) -> Cell:
    bloat = details.bloat
    if bloat is None or bloat.bloat_bytes is None or bloat.bloat_ratio is None:
        return Cell(bloat.note if bloat is not None and bloat.note else "no estimate", "muted")
    tone = "warning" if bloat.bloat_ratio >= 0.3 else None
    return Cell(f"~{size_text(bloat.bloat_bytes)} ({bloat.bloat_ratio:.0%} of the table), {bloat.method}", tone)


def column_default(default: str | None, identity: bool, generated: bool) -> str:
    if generated:
        return f"generated: {default}" if default else "generated"
    if identity:
        return "identity"
    return default or ""


def latest(manual: object, automatic: object) -> str:
    """The later of a manual and an automatic run, saying which; 'never' when neither."""
    runs = [(when, label) for when, label in ((manual, "manual"), (automatic, "auto")) if when is not None]
    if not runs:
        return "never"
    when, label = max(runs, key=lambda run: run[0])  # type: ignore[arg-type,return-value]
    return f"{when:%Y-%m-%d %H:%M} ({label})"
