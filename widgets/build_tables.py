"""The build planner's tables: the 24 picks, one power's slots, the set bonuses, the totals.

Each is a DataTable that shows plain planner values (a plan, the catalogue, its totals)
and knows nothing of the database; `show` refills it and keeps the cursor where it was.
"""

from __future__ import annotations

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey

from data.models.heroes import PICK_LEVELS
from data.planner.catalogue import Catalogue
from data.planner.plan import BuildPlan, PickedPower
from data.planner.report import attribute_texts, percent, power_values, powerset_name, total_lines
from data.planner.totals import BuildTotals, PowerTotals

EMPTY_SLOT, FILLED_SLOT = "○", "●"


class _PlannerTable(DataTable[object]):
    DEFAULT_CSS = """
    _PlannerTable { height: 1fr; }
    """

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._shown: list[tuple[object, ...]] = []

    def _refill(self, rows: list[tuple[object, ...]]) -> None:
        """Show `rows`. Most edits change a row or two (a slot added to one power), so a
        table of as many rows has only its changed cells updated: a clear and refill would
        lay the whole table out again on every key."""
        if len(rows) == len(self._shown) and rows:
            for number, (cells, shown) in enumerate(zip(rows, self._shown)):
                for column, (cell, before) in enumerate(zip(cells, shown)):
                    if cell != before:
                        self.update_cell_at(Coordinate(number, column), cell, update_width=True)
        else:
            row = self.cursor_row
            self.clear()
            for number, cells in enumerate(rows):
                self.add_row(*cells, key=str(number))
            if rows:
                self.move_cursor(row=min(max(row, 0), len(rows) - 1), animate=False)
        self._shown = rows

    def _update_column_widths(self, updated_cells: set[CellKey]) -> None:
        # DataTable measures updated cells when idle, and its rows may have been drawn at the
        # old widths before that, into a cache that does not know the widths (Textual 8.2):
        # a column that grew would stay cut ("●●●●●" for six slots) until the next edit.
        before = [column.content_width for column in self.ordered_columns]
        super()._update_column_widths(updated_cells)
        if before != [column.content_width for column in self.ordered_columns]:
            self._clear_caches()
            self.refresh()


class PicksTable(_PlannerTable):
    """The 24 picks in order: level, power (or what is free), its slots as ● filled / ○ empty."""

    def on_mount(self) -> None:
        self.add_column("Lvl")
        self.add_column("Power", width=18)
        self.add_column("Slots")

    def show(self, plan: BuildPlan, catalogue: Catalogue) -> None:
        rows: list[tuple[object, ...]] = []
        for pick, level in enumerate(PICK_LEVELS):
            picked = plan.at(pick)
            if picked is None:
                free = "above the build's level" if level > plan.level else "(free)"
                rows.append((Text(str(level), style="dim"), Text(free, style="dim"), ""))
            else:
                power = catalogue.powers[picked.power_id]
                marks = "".join(FILLED_SLOT if s.enhancement_id else EMPTY_SLOT for s in picked.slots)
                rows.append((str(level), power.display_name, marks))
        self._refill(rows)

    @property
    def pick(self) -> int:
        """The highlighted pick (0-23)."""
        return max(self.cursor_row, 0)


class SlotsTable(_PlannerTable):
    """One power's slots: the level each was placed at and the enhancement in it."""

    def on_mount(self) -> None:
        self.add_columns("#", "Lvl", "Enhancement")

    def show(self, picked: PickedPower | None, catalogue: Catalogue) -> None:
        rows: list[tuple[object, ...]] = []
        for index, slot in enumerate(picked.slots if picked else ()):
            enhancement = catalogue.enhancements.get(slot.enhancement_id) if slot.enhancement_id else None
            what: object = (
                f"{enhancement.name} ({slot.enhancement_level})" if enhancement else Text("empty", style="dim")
            )
            rows.append((str(index + 1), str(slot.level), what))
        self._refill(rows)

    @property
    def slot(self) -> int:
        return max(self.cursor_row, 0)


class BonusesTable(_PlannerTable):
    """Every set bonus the build earns: a line per power and set, then its bonuses by pieces,
    the ones the rule of five suppresses marked (two columns, so 80 columns show the text)."""

    def on_mount(self) -> None:
        self.add_column("Pcs")
        self.add_column("Set bonus")

    def show(self, totals: BuildTotals, catalogue: Catalogue) -> None:
        rows: list[tuple[object, ...]] = []
        group: tuple[int, int] | None = None
        for earned in totals.bonuses:
            if (earned.pick, earned.set_id) != group:
                group = (earned.pick, earned.set_id)
                title = (
                    f"{catalogue.powers[earned.power_id].display_name}: "
                    f"{catalogue.sets[earned.set_id].display_name} ({earned.pieces} pieces)"
                )
                rows.append(("", Text(title, style="bold")))
            # The mark leads the cell, so a narrow terminal still shows it.
            bonus = (
                Text.assemble(("suppressed ", "bold yellow"), (earned.bonus.display_text, "dim strike"))
                if earned.suppressed
                else Text(earned.bonus.display_text)
            )
            rows.append((str(earned.bonus.pieces_required), bonus))
        if not rows:
            rows.append(("", Text("No set bonuses: slot two or more pieces of a set in one power.", style="dim")))
        self._refill(rows)


class TotalsTable(_PlannerTable):
    """The build's totals per bonus type: defense and resistance by type, recharge, ..."""

    def on_mount(self) -> None:
        self.add_columns("Bonus", "Total")

    def show(self, totals: BuildTotals) -> None:
        self._refill([(line.label, Text(percent(line.value), justify="right")) for line in total_lines(totals)])


def power_summary(values: PowerTotals | None, catalogue: Catalogue) -> Text:
    """The highlighted power's heading and its enhanced values, before and after ED."""
    if values is None:
        return Text("Nothing picked here: Enter chooses a power.", style="dim")
    power = values.power
    text = Text.assemble((power.display_name, "bold"), " ", (powerset_name(catalogue, power.powerset_id), "dim"))
    text.append("\n" + power_values(values))
    lines = attribute_texts(values)
    if lines:
        text.append("\nEnhancement, before → after ED:", style="dim")
    for line in lines:
        text.append("\n" + line)
    return text
