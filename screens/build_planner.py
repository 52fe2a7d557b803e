"""Build planner (DESIGN.md screen 4): plan a City of Heroes character as Mids Reborn would.

The left table holds the 24 picks; the right side shows the highlighted power (its slots,
the level each was placed at, its enhanced values before and after ED), the set bonuses
with the rule of five's suppressed ones marked, and the totals. Every edit is a pure
function of data/planner/plan.py on the plan held here, refused with the rule it breaks;
only loading, saving, copying, renaming and deleting reach the database, each in a thread
worker through data/planner/store.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from data.output_file import output_file
from data.planner import store
from data.planner.catalogue import Catalogue
from data.planner.exchange import export_json, import_json
from data.planner.plan import (
    BuildPlan,
    PlanError,
    add_slot,
    clear_enhancement,
    enhancement_options,
    enhancement_problem,
    move_slot,
    pick_label,
    pick_options,
    pick_power,
    powers_from,
    remove_slot,
    set_archetype,
    set_level,
    set_pools,
    set_powerset,
    slot_enhancement,
    unpick,
)
from data.planner.report import headline
from data.planner.totals import BuildTotals, build_totals
from screens.base import ConsoleScreen, confirm_replace
from widgets.build_tables import BonusesTable, PicksTable, SlotsTable, TotalsTable, power_summary
from widgets.dialogs import ChoiceDialog, Confirmation, ConfirmDialog, TextPrompt
from widgets.key_bar import KeyBar
from widgets.title_bar import TitleBar

TABS = ("planner-power", "planner-bonuses", "planner-totals")


class BuildPlannerScreen(ConsoleScreen):
    """Archetype, powersets, picks by level, slots, enhancements, set bonuses and totals."""

    DEFAULT_CSS = """
    #planner-heading { height: 1; padding: 0 1; text-style: bold; color: $text-accent;
                       text-wrap: nowrap; text-overflow: ellipsis; }
    #planner-picks { width: 36; height: 1fr; }
    #planner-side { width: 1fr; height: 1fr; }
    #planner-side TabPane { padding: 0; }
    #planner-power-summary { height: auto; max-height: 9; padding: 0 1; }
    #planner-slots, #planner-bonuses-table, #planner-totals-table { height: 1fr; }
    """

    # The footer shows the first ones at 80 columns: the views, saving and opening first.
    BINDINGS = [
        Binding("t", "next_tab", "View", id="planner.view", tooltip="Power, set bonuses, totals"),
        Binding("ctrl+s", "save", "Save", id="planner.save", tooltip="Save the build"),
        Binding("o", "open", "Open", id="planner.open", tooltip="Open a saved build"),
        Binding("a", "archetype", "Archetype", id="planner.archetype", tooltip="Choose the archetype"),
        Binding("p", "powerset('primary')", "Primary", id="planner.primary", tooltip="Choose the primary powerset"),
        Binding(
            "s", "powerset('secondary')", "Secondary", id="planner.secondary", tooltip="Choose the secondary powerset"
        ),
        Binding("l", "pools", "Pools", id="planner.pools", tooltip="Add or remove a pool powerset (at most 4)"),
        Binding("e", "powerset('epic')", "Epic", id="planner.epic", tooltip="Choose the epic pool (from level 35)"),
        Binding(
            "plus",
            "add_slot",
            "Slot",
            id="planner.add_slot",
            key_display="+",
            tooltip="Place the next added slot in the highlighted power",
        ),
        Binding(
            "minus",
            "remove_slot",
            "Unslot",
            id="planner.remove_slot",
            key_display="-",
            tooltip="Take the highlighted slot out (or empty it, for the base slot)",
        ),
        Binding(
            "m",
            "move_slot",
            "Move slot",
            id="planner.move_slot",
            tooltip="Move the highlighted added slot to another power",
        ),
        Binding("delete", "unpick", "Unpick", id="planner.unpick", tooltip="Empty the highlighted pick"),
        Binding("n", "new", "New", id="planner.new", show=False, tooltip="Start a new build"),
        Binding("c", "copy", "Copy", id="planner.copy", show=False, tooltip="Save a copy under another name"),
        Binding("r", "rename", "Rename", id="planner.rename", show=False, tooltip="Rename the build"),
        Binding("d", "delete", "Delete", id="planner.delete", show=False, tooltip="Delete the saved build"),
        Binding("v", "level", "Level", id="planner.level", show=False, tooltip="The level the build is planned to"),
        Binding("x", "export", "Export", id="planner.export", show=False, tooltip="Write the build as a JSON file"),
        Binding("i", "import", "Import", id="planner.import", show=False, tooltip="Read a build from a JSON file"),
    ]

    @dataclass
    class CatalogueLoaded(Message):
        catalogue: Catalogue

    @dataclass
    class BuildsListed(Message):
        builds: list[store.BuildSummary]

    @dataclass
    class PlanArrived(Message):
        """A plan to show: loaded, saved, copied or imported; `saved` when it is what is stored."""

        plan: BuildPlan
        saved: bool
        note: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.catalogue: Catalogue | None = None
        self.plan = BuildPlan()
        self.totals: BuildTotals | None = None
        self.dirty = False
        """The plan has changes that are not saved."""

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("Reading the game data…", id="planner-heading", markup=False)
        with Horizontal(id="planner"):
            yield PicksTable(id="planner-picks")
            with Vertical(id="planner-side"):
                with TabbedContent(id="planner-tabs"):
                    with TabPane("Power", id=TABS[0]):
                        yield Static(id="planner-power-summary", markup=False)
                        yield SlotsTable(id="planner-slots")
                    with TabPane("Set bonuses", id=TABS[1]):
                        yield BonusesTable(id="planner-bonuses-table")
                    with TabPane("Totals", id=TABS[2]):
                        yield TotalsTable(id="planner-totals-table")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(PicksTable).focus()
        self.load_catalogue()

    # ---- the database, in workers ----------------------------------------------------

    @work(thread=True, exclusive=True, group="planner.catalogue", exit_on_error=False, name="Game data")
    def load_catalogue(self) -> None:
        self.post_message(self.CatalogueLoaded(store.load_catalogue(self.console_app.database)))

    @on(CatalogueLoaded)
    def catalogue_loaded(self, event: CatalogueLoaded) -> None:
        self.catalogue = event.catalogue
        self.show_plan()

    @work(thread=True, exclusive=True, group="planner.list", exit_on_error=False, name="Saved builds")
    def list_builds(self) -> None:
        self.post_message(self.BuildsListed(store.list_builds(self.console_app.database)))

    @work(thread=True, exclusive=True, group="planner.load", exit_on_error=False, name="Open build")
    def load_build(self, build_id: int) -> None:
        self.post_message(self.PlanArrived(store.load_build(self.console_app.database, build_id), saved=True))

    @work(thread=True, exclusive=True, group="planner.write", exit_on_error=False, name="Save build")
    def save(self, plan: BuildPlan, catalogue: Catalogue) -> None:
        saved = store.save_build(self.console_app.database, plan, catalogue)
        self.post_message(self.PlanArrived(saved, saved=True, note=f"Saved {saved.name!r} (build {saved.id})"))

    @work(thread=True, exclusive=True, group="planner.write", exit_on_error=False, name="Copy build")
    def copy(self, build_id: int, name: str) -> None:
        database = self.console_app.database
        copy_id = store.copy_build(database, build_id, name)
        self.post_message(
            self.PlanArrived(
                store.load_build(database, copy_id), saved=True, note=f"Copied as {name!r} (build {copy_id})"
            )
        )

    @work(thread=True, exclusive=True, group="planner.write", exit_on_error=False, name="Rename build")
    def rename(self, plan: BuildPlan, name: str, *, saved: bool) -> None:
        """Rename the saved build; the plan on screen keeps its other changes (and stays unsaved if it was)."""
        assert plan.id is not None
        version = store.rename_build(self.console_app.database, plan.id, name, version=plan.version)
        self.post_message(
            self.PlanArrived(
                replace(plan, name=name.strip(), version=version), saved=saved, note=f"Renamed to {name.strip()!r}"
            )
        )

    @work(thread=True, exclusive=True, group="planner.write", exit_on_error=False, name="Delete build")
    def delete(self, plan: BuildPlan) -> None:
        assert plan.id is not None
        store.delete_build(self.console_app.database, plan.id, version=plan.version)
        self.post_message(
            self.PlanArrived(
                replace(plan, id=None, version=None),
                saved=False,
                note=f"Deleted {plan.name!r}; it is still here, unsaved",
            )
        )

    @work(thread=True, exclusive=True, group="planner.file", exit_on_error=False, name="Export build")
    def export_to(self, path: Path, text: str, replacing: bool) -> None:
        with output_file(path, replace=replacing) as out:
            out.write(text)
        self.app.call_from_thread(self.notify, f"Exported to {path}", title="Build exported")

    @work(thread=True, exclusive=True, group="planner.file", exit_on_error=False, name="Import build")
    def import_from(self, path: Path, catalogue: Catalogue) -> None:
        plan = import_json(path.read_text(encoding="utf-8"), catalogue)
        self.post_message(self.PlanArrived(plan, saved=False, note=f"Imported {plan.name!r}: ctrl+s saves it"))

    @on(PlanArrived)
    def plan_arrived(self, event: PlanArrived) -> None:
        self.plan, self.dirty = event.plan, not event.saved
        self.show_plan()
        if event.note:
            self.notify(event.note, title="Build planner")

    # ---- showing the plan ------------------------------------------------------------

    def show_plan(self) -> None:
        """Recompute the totals and refill every view from the plan."""
        catalogue = self.catalogue
        if catalogue is None:
            return
        self.totals = build_totals(self.plan, catalogue)
        heading = headline(self.plan, catalogue) + (" · unsaved" if self.dirty else "")
        if self.plan.archetype_id is None:
            heading += " · a: choose an archetype"
        self.query_one("#planner-heading", Static).update(heading)
        self.query_one(PicksTable).show(self.plan, catalogue)
        self.query_one(BonusesTable).show(self.totals, catalogue)
        self.query_one(TotalsTable).show(self.totals)
        self.show_power()

    def show_power(self) -> None:
        catalogue, totals = self.catalogue, self.totals
        if catalogue is None or totals is None:
            return
        pick = self.query_one(PicksTable).pick
        values = next((v for v in totals.powers if v.pick == pick), None)
        self.query_one("#planner-power-summary", Static).update(power_summary(values, catalogue))
        self.query_one(SlotsTable).show(self.plan.at(pick), catalogue)

    @on(DataTable.RowHighlighted, "#planner-picks")
    def pick_highlighted(self) -> None:
        self.show_power()

    def edit(self, change: Callable[[BuildPlan, Catalogue], BuildPlan]) -> None:
        """Apply one edit; a refused one is a notification naming the rule, and changes nothing."""
        if self.catalogue is None:
            return
        try:
            changed = change(self.plan, self.catalogue)
        except PlanError as error:
            self.notify(str(error), title=PlanError.title, severity="warning", markup=False)
            return
        if changed != self.plan:
            self.plan, self.dirty = changed, True
            self.show_plan()

    def choose(
        self, title: str, options: list[tuple[str, bool]], then: Callable[[int], None], message: str | None = None
    ) -> None:
        def chosen(index: int | None) -> None:
            if index is not None:
                then(index)

        self.app.push_screen(ChoiceDialog(title, options, message=message), chosen)

    def confirm(self, title: str, message: str, then: Callable[[], None], label: str = "Discard") -> None:
        def answered(answer: Confirmation | None) -> None:
            if answer is not None:
                then()

        self.app.push_screen(ConfirmDialog(title, message, confirm_label=label), answered)

    def ask_text(
        self,
        title: str,
        prompt: str,
        value: str,
        then: Callable[[str], None],
        validate: Callable[[str], str] | None = None,
    ) -> None:
        def answered(text: str | None) -> None:
            if text is not None:
                then(text)

        self.app.push_screen(TextPrompt(title, prompt, value, validate=validate), answered)

    def confirm_loss(self, lost: list[str], then: Callable[[], None]) -> None:
        """Go ahead at once when nothing picked would be lost, else ask first."""
        if not lost:
            then()
        else:
            self.confirm("Discard picks?", f"This discards {len(lost)} picked power(s): {', '.join(lost)}.", then)

    # ---- archetype and powersets -----------------------------------------------------

    def action_archetype(self) -> None:
        catalogue = self.catalogue
        if catalogue is None:
            return
        archetypes = sorted(catalogue.archetypes.values(), key=lambda a: a.display_name)

        def chosen(index: int) -> None:
            archetype_id = archetypes[index].id
            if archetype_id == self.plan.archetype_id:
                return
            lost = [catalogue.powers[p.power_id].display_name for p in self.plan.powers]
            self.confirm_loss(lost, lambda: self.edit(lambda plan, cat: set_archetype(plan, cat, archetype_id)))

        self.choose("Archetype", [(a.display_name, True) for a in archetypes], chosen)

    def action_powerset(self, role: str) -> None:
        catalogue = self.catalogue
        if catalogue is None or self.plan.archetype_id is None:
            self.notify("Choose an archetype first (a).", title=PlanError.title, severity="warning")
            return
        powersets = catalogue.powersets_for(self.plan.archetype_id, role)
        options = [(p.display_name, True) for p in powersets]
        if role == "epic":
            options.append(("(none)", True))

        def chosen(index: int) -> None:
            powerset_id = powersets[index].id if index < len(powersets) else None
            current = getattr(self.plan, f"{role}_id")
            lost = powers_from(self.plan, catalogue, [current]) if current not in (None, powerset_id) else []
            self.confirm_loss(lost, lambda: self.edit(lambda plan, cat: set_powerset(plan, cat, role, powerset_id)))

        self.choose(f"{role.capitalize()} powerset", options, chosen)

    def action_pools(self) -> None:
        catalogue = self.catalogue
        if catalogue is None:
            return
        pools = catalogue.powersets_for(None, "pool")
        chosen_now = self.plan.pool_ids
        options = [(("✓ " if p.id in chosen_now else "  ") + p.display_name, True) for p in pools]

        def chosen(index: int) -> None:
            pool_id = pools[index].id
            if pool_id in self.plan.pool_ids:
                wanted = tuple(i for i in self.plan.pool_ids if i != pool_id)
                lost = powers_from(self.plan, catalogue, [pool_id])
            else:
                wanted, lost = (*self.plan.pool_ids, pool_id), []
            self.confirm_loss(lost, lambda: self.edit(lambda plan, cat: set_pools(plan, cat, wanted)))

        self.choose("Pool powersets (choose to add or remove; at most 4)", options, chosen)

    def action_level(self) -> None:
        def validate(text: str) -> str:
            if not text.strip().isdigit() or not 1 <= int(text) <= 50:
                raise ValueError("a level from 1 to 50")
            return text.strip()

        self.ask_text(
            "Build level",
            "Plan the build up to level",
            str(self.plan.level),
            lambda text: self.edit(lambda plan, _: set_level(plan, int(text))),
            validate,
        )

    # ---- picks and slots -------------------------------------------------------------

    @on(DataTable.RowSelected, "#planner-picks")
    def pick_selected(self) -> None:
        self.action_pick()

    def action_pick(self) -> None:
        catalogue = self.catalogue
        if catalogue is None:
            return
        pick = self.query_one(PicksTable).pick
        options = pick_options(self.plan, catalogue, pick)
        if not options:
            self.notify(
                "Choose the archetype and powersets first (a, p, s).", title=PlanError.title, severity="warning"
            )
            return
        labels = [
            (o.power.display_name if o.reason is None else f"{o.power.display_name} — {o.reason}", o.reason is None)
            for o in options
        ]
        self.choose(
            f"{pick_label(pick)}: choose a power",
            labels,
            lambda index: self.edit(lambda plan, cat: pick_power(plan, cat, pick, options[index].power.id)),
        )

    def action_unpick(self) -> None:
        pick = self.query_one(PicksTable).pick
        self.edit(lambda plan, cat: unpick(plan, cat, pick))

    def action_add_slot(self) -> None:
        pick = self.query_one(PicksTable).pick
        self.edit(lambda plan, cat: add_slot(plan, cat, pick))

    def action_remove_slot(self) -> None:
        pick, slot = self.query_one(PicksTable).pick, self.query_one(SlotsTable).slot
        picked = self.plan.at(pick)
        if picked is not None and slot == 0:
            self.edit(lambda plan, _: clear_enhancement(plan, pick, 0))
        else:
            self.edit(lambda plan, _: remove_slot(plan, pick, slot))

    def action_move_slot(self) -> None:
        catalogue = self.catalogue
        pick, slot = self.query_one(PicksTable).pick, self.query_one(SlotsTable).slot
        if catalogue is None or self.plan.at(pick) is None:
            return
        targets = [p for p in self.plan.powers if p.pick != pick]
        labels = [
            (f"{p.level}: {catalogue.powers[p.power_id].display_name} ({len(p.slots)} slots)", True) for p in targets
        ]
        self.choose(
            f"Move slot {slot + 1} to",
            labels,
            lambda index: self.edit(lambda plan, cat: move_slot(plan, cat, pick, slot, targets[index].pick)),
        )

    @on(DataTable.RowSelected, "#planner-slots")
    def slot_selected(self) -> None:
        self.action_enhance()

    def action_enhance(self) -> None:
        catalogue = self.catalogue
        pick, slot = self.query_one(PicksTable).pick, self.query_one(SlotsTable).slot
        if catalogue is None or self.plan.at(pick) is None:
            return
        options = enhancement_options(self.plan, catalogue, pick, slot)
        labels = [
            (f"{e.name} ({e.level_min}-{e.level_max})" if e.level_min != e.level_max else e.name, True) for e in options
        ]
        self.choose(
            f"Slot {slot + 1}: choose an enhancement",
            labels,
            lambda index: self.ask_enhancement_level(pick, slot, options[index].id),
        )

    def ask_enhancement_level(self, pick: int, slot: int, enhancement_id: int) -> None:
        catalogue = self.catalogue
        assert catalogue is not None
        enhancement = catalogue.enhancements[enhancement_id]
        default = max(enhancement.level_min, min(enhancement.level_max, self.plan.level))
        if enhancement.level_min == enhancement.level_max:
            self.edit(lambda plan, cat: slot_enhancement(plan, cat, pick, slot, enhancement_id, default))
            return

        def validate(text: str) -> str:
            level = int(text) if text.strip().isdigit() else None
            problem = (
                enhancement_problem(self.plan, catalogue, pick, slot, enhancement, level)
                if level is not None
                else "a whole number"
            )
            if problem:
                raise ValueError(problem)
            return text.strip()

        self.ask_text(
            enhancement.name,
            f"Level ({enhancement.level_min}-{enhancement.level_max})",
            str(default),
            lambda text: self.edit(
                lambda plan, cat: slot_enhancement(plan, cat, pick, slot, enhancement_id, int(text))
            ),
            validate,
        )

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = TABS[(TABS.index(tabs.active) + 1) % len(TABS)] if tabs.active in TABS else TABS[0]

    # ---- saved builds ----------------------------------------------------------------

    def unless_unsaved(self, then: Callable[[], None]) -> None:
        if self.dirty:
            self.confirm("Unsaved changes", f"{self.plan.name!r} has changes that are not saved.", then)
        else:
            then()

    def action_new(self) -> None:
        self.unless_unsaved(lambda: self.post_message(self.PlanArrived(BuildPlan(), saved=False)))

    def action_open(self) -> None:
        self.unless_unsaved(self.list_builds)

    @on(BuildsListed)
    def builds_listed(self, event: BuildsListed) -> None:
        builds = event.builds
        if not builds:
            self.notify("There are no saved builds yet.", title="Build planner")
            return
        labels = [(f"{b.name} · {b.level} {b.archetype} · {b.primary}/{b.secondary}", True) for b in builds]
        self.choose("Open a saved build", labels, lambda index: self.load_build(builds[index].id))

    def action_save(self) -> None:
        if self.catalogue is not None:
            self.save(self.plan, self.catalogue)

    def _saved_id(self) -> int | None:
        if self.plan.id is None:
            self.notify("Save the build first (ctrl+s).", title="Build planner", severity="warning")
        return self.plan.id

    def action_copy(self) -> None:
        build_id = self._saved_id()
        if build_id is not None:
            self.ask_text(
                "Copy build",
                "Name of the copy",
                f"{self.plan.name} (copy)",
                lambda name: self.copy(build_id, name),
                store.check_name,
            )

    def action_rename(self) -> None:
        if self._saved_id() is not None:
            self.ask_text(
                "Rename build",
                "New name",
                self.plan.name,
                lambda name: self.rename(self.plan, name, saved=not self.dirty),
                store.check_name,
            )

    def action_delete(self) -> None:
        if self._saved_id() is not None:
            self.confirm(
                "Delete build",
                f"Delete the saved build {self.plan.name!r}? This cannot be undone.",
                lambda: self.delete(self.plan),
                label="Delete",
            )

    def action_export(self) -> None:
        catalogue = self.catalogue
        if catalogue is None or self.plan.archetype_id is None:
            return
        default = "".join(ch if ch.isalnum() else "_" for ch in self.plan.name).strip("_").lower() + ".json"
        text = export_json(self.plan, catalogue)

        def write(typed: str) -> None:
            path = Path(typed).expanduser()
            confirm_replace(self, path, lambda replacing: self.export_to(path, text, replacing))

        self.ask_text("Export build", "Write the JSON file", default, write)

    def action_import(self) -> None:
        catalogue = self.catalogue
        if catalogue is not None:
            self.unless_unsaved(
                lambda: self.ask_text(
                    "Import build",
                    "Read the JSON file",
                    "",
                    lambda path: self.import_from(Path(path).expanduser(), catalogue),
                )
            )
