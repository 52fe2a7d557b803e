"""What every support desk tab shares: times, toned text, and asking for a reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, TypeVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.color import Color, ColorParseError
from textual.message import Message

from data import inputs
from screens.base import ConsolePane, confirm_write
from widgets.cell_grid import Tone
from widgets.dialogs import TextPrompt
from widgets.row_form import RowForm

T = TypeVar("T")


class DeskPane(ConsolePane):
    """A tab of the support desk. Its actions run in workers and end by calling `done`: the
    tab says what was done and reads its rows again, and the screen has the other tabs
    read theirs (the action may have changed what they show)."""

    @dataclass
    class ActionDone(Message):
        """A desk action committed; `text` says what it did, `keep` the row to stay on."""

        pane: DeskPane
        title: str
        text: str
        keep: str | None = None

        @property
        def control(self) -> DeskPane:
            return self.pane

    WRITES: ClassVar[frozenset[str]] = frozenset()
    """The tab's actions that write: not offered where the desk may not act (a developer,
    a read-only profile), rather than refused after their form was filled in."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITES:
            return self.console_app.database.settings.desk_refusal() is None
        return True

    def done(self, title: str, text: str, *, keep: str | None = None) -> None:
        """Report a committed action (safe from the action's worker thread)."""
        self.post_message(self.ActionDone(self, title, text, keep))

    def write_for(self, form: RowForm, write: Callable[[], T]) -> T | None:
        """Run a desk write for `form` (in the action's worker): the form closes once it is
        saved; refused, or failed, the form says why and keeps what was typed, and None is
        returned (the App is not told: the form is where the user looks)."""
        try:
            result = write()
        except Exception as error:  # noqa: BLE001  (every failure answers the form, which shows one line)
            self.app.call_from_thread(form.refused, error)
            return None
        self.app.call_from_thread(form.saved)
        return result

    @on(ActionDone)
    def _after_action(self, event: ActionDone) -> None:
        if event.pane is not self:
            return
        self.notify(event.text + self.done_note(event), title=event.title)
        self.action_reload()

    def done_note(self, event: ActionDone) -> str:
        """More to say after an action (a tab may override it); also the place to note
        what the reload should keep."""
        return ""

    # Every tab defines it: read the tab's rows again (after an action, or on ctrl+r).
    action_reload: Callable[[], None]


def when(moment: datetime | None) -> str:
    """A timestamp in the operator's local time, to the minute; "" for none."""
    return "" if moment is None else f"{moment.astimezone():%Y-%m-%d %H:%M}"


def toned(theme: Mapping[str, str], text: str, tone: Tone, *, bold: bool = False) -> Text:
    """Text in the theme's colour for a tone (its `text-<tone>` variable; muted is dim)."""
    variable = theme.get({"alert": "text-warning"}.get(tone, f"text-{tone}"), "")
    try:
        style = Style(color=Color.parse(variable).rich_color, bold=bold)
    except ColorParseError:
        # text-muted is relative ("auto 60%"), which only a stylesheet can resolve.
        style = Style(dim=True, bold=bold)
    return Text(text, style=style)


def require_reason(text: str) -> str:
    """TextPrompt validation: a reason is mandatory for every desk action."""
    if not text.strip():
        raise ValueError("Give a reason: it is recorded with the change in the audit log.")
    return inputs.reason_text(text)


def ask_reason(
    pane: ConsolePane,
    title: str,
    prompt: str,
    then: Callable[[str], object],
    *,
    cancelled: Callable[[], object] = lambda: None,
) -> None:
    """Ask for the reason of a desk action, then run it; refused at once if the role may not
    act; `cancelled()` when the question is dismissed."""
    settings = pane.console_app.database.settings
    why = settings.desk_refusal()
    if why is not None:
        pane.notify(f"Not allowed: {why}.", title="Desk action refused", severity="error")
        cancelled()
        return

    def answered(reason: str | None) -> None:
        if reason is None:
            cancelled()
        else:
            then(reason)

    if settings.production:  # the reason and the typed database name, in one dialog
        confirm_write(pane, f"{title}: {prompt}", answered, cancelled=cancelled)
        return
    pane.app.push_screen(
        TextPrompt(title, prompt, placeholder="why (recorded in the audit log)", validate=require_reason), answered
    )
