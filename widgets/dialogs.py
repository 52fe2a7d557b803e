"""The modal dialogs every screen shares: ask for text, confirm, choose, read, wait.

Each is a typed `ModalScreen[T]` that answers through `dismiss(value)`, so a screen
pushes it with a callback (or `push_screen_wait` in a worker) and never reaches inside.
They take plain values and callables and know nothing of the database.

`DialogScreen` and `KeyHints` are the shared frame and key line that the editors in
value_editor.py, row_form.py and pending_changes.py build on too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, OptionList, ProgressBar, Static, TextArea
from textual.widgets.option_list import Option
from textual.widgets.text_area import LanguageDoesNotExist

from data import formatting
from data.formatting import eta_text

ResultT = TypeVar("ResultT")

Hint = tuple[str, str]
"""(action, label): a key line entry for one of the dialog screen's own bindings."""

CANCEL = Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close the dialog and change nothing")


def first_line(error: BaseException) -> str:
    """A one-line message for the user: the error's first non-blank line, or its type name."""
    return formatting.first_line(str(error)) or type(error).__name__


class KeyHints(Static):
    """One line naming the dialog's keys as the keymap binds them now; click one to use it.

    Only the dialog screen's own bindings are listed, in the order given: a binding that
    is hidden (its check_action says False) or whose keys a focused field takes drops out.
    """

    DEFAULT_CSS = """
    KeyHints {
        height: auto;
        color: $text-muted;
        margin-top: 1;
    }
    """

    def __init__(
        self, hints: Sequence[Hint] = (), *, dimmed: Iterable[str] = (), note: str = "", id: str | None = None
    ) -> None:
        """
        Args:
            hints: (action, label) pairs, e.g. ("apply", "Apply").
            dimmed: actions shown dim: the key answers, but only to say why it cannot.
            note: plain text after the keys, for keys a field owns (e.g. "ctrl+c copies").
        """
        super().__init__(id=id)
        self._hints = tuple(hints)
        self._dimmed = frozenset(dimmed)
        self._note = note

    def on_mount(self) -> None:
        # Focus moves and keymaps change which keys are live, as for the Footer.
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.refresh_hints()

    def set_hints(self, hints: Sequence[Hint], *, dimmed: Iterable[str] = (), note: str = "") -> None:
        """Show other keys, e.g. once the dialog moves to another stage."""
        self._hints, self._dimmed, self._note = tuple(hints), frozenset(dimmed), note
        self.refresh_hints()

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self.refresh_hints)

    def refresh_hints(self) -> None:
        """Render the line from the screen's active bindings."""
        if not self.is_attached:
            # A refresh queued just before the dialog closed: there is nothing to draw.
            return
        screen = self.screen
        keys: dict[str, list[str]] = {}
        tooltips: dict[str, str] = {}
        for active in screen.active_bindings.values():
            if active.node is screen:
                action = active.binding.action
                keys.setdefault(action, []).append(self.app.get_key_display(active.binding))
                tooltips[action] = active.tooltip or active.binding.description
        parts: list[Content] = []
        for action, label in self._hints:
            if action not in keys:
                continue
            markup = "[b $text-accent]$keys[/] $label"
            if action in self._dimmed:
                markup = f"[dim]{markup}[/dim]"
            markup = f"[@click=screen.{action}]{markup}[/]"
            parts.append(Content.from_markup(markup, keys="/".join(keys[action]), label=label))
        if self._note:
            parts.append(Content(self._note))
        self.update(Content("  ").join(parts))
        self.tooltip = (
            "\n".join(f"{'/'.join(keys[action])}: {tooltips[action]}" for action, _ in self._hints if action in keys)
            or None
        )


class DialogScreen(ModalScreen[ResultT]):
    """A modal dialog: a titled frame in the middle of the dimmed screen.

    Subclasses compose inside `self.frame()`; `.dialog--error`, `.dialog--muted` and
    `.dialog--success` colour their status lines.
    """

    DEFAULT_CSS = """
    DialogScreen {
        align: center middle;
    }
    DialogScreen > .dialog--frame {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-color: $text-primary;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    DialogScreen .dialog--message { width: 100%; height: auto; }
    DialogScreen .dialog--muted { color: $text-muted; }
    DialogScreen .dialog--error { color: $text-error; }
    DialogScreen .dialog--success { color: $text-success; }
    DialogScreen .dialog--label { margin-top: 1; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self.dialog_title = title
        """Shown in the frame's border."""

    def frame(self) -> Vertical:
        """The bordered container every dialog composes its content in."""
        frame = Vertical(classes="dialog--frame")
        frame.border_title = self.dialog_title
        return frame

    def action_cancel(self) -> None:
        """Close with no answer; subclasses whose answer is not optional override this."""
        self.dismiss(None)  # type: ignore[arg-type]


def show_status(widget: Static, text: str, tone: str = "error") -> None:
    """Put a one-line status in `widget` (hidden while empty) in the tone's colour."""
    widget.update(Content(text))
    widget.display = bool(text)
    for each in ("error", "success", "muted"):
        widget.set_class(each == tone, f"dialog--{each}")


class TextPrompt(DialogScreen[str | None]):
    """Ask for one line of text; Enter answers it (once `validate` accepts it), Escape None."""

    BINDINGS = [
        Binding("enter", "submit", "OK", id="text_prompt.submit", tooltip="Use this text", priority=True),
        CANCEL,
    ]

    def __init__(
        self,
        title: str,
        prompt: str,
        value: str = "",
        *,
        placeholder: str = "",
        validate: Callable[[str], str] | None = None,
    ) -> None:
        """
        Args:
            validate: returns the text to answer (it may normalise it) or raises ValueError,
                whose first line is shown while the dialog stays open.
        """
        super().__init__(title)
        self._prompt, self._value, self._placeholder = prompt, value, placeholder
        self._validate = validate

    def compose(self) -> ComposeResult:
        with self.frame():
            yield Label(Content(self._prompt))
            yield Input(self._value, placeholder=self._placeholder, id="prompt-input")
            yield Static(id="prompt-error", classes="dialog--error")
            yield KeyHints([("submit", "OK"), ("cancel", "Cancel")])

    def on_mount(self) -> None:
        self.query_one("#prompt-error", Static).display = False

    def action_submit(self) -> None:
        text = self.query_one("#prompt-input", Input).value
        if self._validate is not None:
            try:
                text = self._validate(text)
            except ValueError as error:
                show_status(self.query_one("#prompt-error", Static), first_line(error))
                return
        self.dismiss(text)


@dataclass(frozen=True)
class Confirmation:
    """The user said yes; `reason` is what they typed when the dialog asked for one."""

    reason: str | None


class ConfirmDialog(DialogScreen[Confirmation | None]):
    """Ask before something that cannot be taken back, optionally with a reason and a typed word.

    The typed word (say PRODUCTION) makes the user read what they confirm: until it matches
    exactly, Enter and ctrl+s only say what is missing.
    """

    DEFAULT_CSS = """
    ConfirmDialog #confirm-message { height: auto; max-height: 12; }
    """

    BINDINGS = [
        Binding(
            "enter,ctrl+s",
            "confirm",
            "Confirm",
            id="dialog.confirm",
            tooltip="Go ahead (once the reason and the typed word are given, when asked for)",
            priority=True,
        ),
        CANCEL,
    ]

    def __init__(
        self,
        title: str,
        message: str,
        *,
        confirm_label: str = "Confirm",
        confirm_word: str | None = None,
        ask_reason: bool = False,
    ) -> None:
        super().__init__(title)
        self._message, self._confirm_label = message, confirm_label
        self._confirm_word, self._ask_reason = confirm_word, ask_reason

    def compose(self) -> ComposeResult:
        with self.frame():
            with VerticalScroll(id="confirm-message", can_focus=False):
                yield Static(Content(self._message), classes="dialog--message")
            if self._ask_reason:
                yield Label("Reason (required)", classes="dialog--label")
                yield Input(placeholder="why this is done", id="confirm-reason")
            if self._confirm_word is not None:
                yield Label(Content(f"Type {self._confirm_word} to confirm"), classes="dialog--label")
                # No placeholder: the word is to be read above and typed, not seen in the field.
                yield Input(id="confirm-word")
            yield Static(id="confirm-error", classes="dialog--error")
            yield KeyHints([("confirm", self._confirm_label), ("cancel", "Cancel")])

    def on_mount(self) -> None:
        self.query_one("#confirm-error", Static).display = False

    def action_confirm(self) -> None:
        error = self.query_one("#confirm-error", Static)
        reason: str | None = None
        if self._ask_reason:
            field = self.query_one("#confirm-reason", Input)
            reason = field.value.strip()
            if not reason:
                show_status(error, "Give a reason first: it is recorded with the change.")
                field.focus()
                return
        if self._confirm_word is not None:
            field = self.query_one("#confirm-word", Input)
            if field.value != self._confirm_word:
                show_status(error, f"Type {self._confirm_word} exactly to confirm.")
                field.focus()
                return
        self.dismiss(Confirmation(reason))


class ChoiceDialog(DialogScreen[int | None]):
    """Pick one of a few options; answers its index, or None on Escape.

    An option is a string, or a (text, enabled) pair: a disabled option is shown greyed
    out and cannot be picked (say, an export format the server cannot produce).
    """

    DEFAULT_CSS = """
    ChoiceDialog OptionList { height: auto; max-height: 14; }
    """

    BINDINGS = [
        Binding("enter", "choose", "Choose", id="choice.choose", tooltip="Pick the highlighted option", priority=True),
        CANCEL,
    ]

    def __init__(self, title: str, options: Sequence[str | tuple[str, bool]], *, message: str | None = None) -> None:
        super().__init__(title)
        self._options = [(option, True) if isinstance(option, str) else option for option in options]
        self._message = message

    def compose(self) -> ComposeResult:
        with self.frame():
            if self._message:
                yield Static(Content(self._message), classes="dialog--message")
            yield OptionList(
                *(Option(Content(text), disabled=not enabled) for text, enabled in self._options),
                id="choice-options",
            )
            yield KeyHints([("choose", "Choose"), ("cancel", "Cancel")])

    def action_choose(self) -> None:
        options = self.query_one("#choice-options", OptionList)
        index = options.highlighted
        if index is not None and self._options[index][1]:
            self.dismiss(index)

    @on(OptionList.OptionSelected)
    def chosen_by_mouse(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)


class TextViewer(DialogScreen[None]):
    """Read a long text (a JSON value, a statement) in a read-only, scrollable, selectable area."""

    DEFAULT_CSS = """
    TextViewer > .dialog--frame { width: 100%; height: 100%; }
    TextViewer TextArea { height: 1fr; }
    """

    BINDINGS = [
        Binding("escape,q", "cancel", "Close", id="viewer.close", tooltip="Close the viewer"),
    ]

    def __init__(self, title: str, text: str, *, language: str | None = None) -> None:
        """
        Args:
            language: "json" or "sql" highlights the text when tree-sitter is installed.
        """
        super().__init__(title)
        self._text, self._language = text, language

    def compose(self) -> ComposeResult:
        with self.frame():
            yield TextArea(self._text, read_only=True, soft_wrap=True, id="viewer-text")
            yield KeyHints([("cancel", "Close")], note="arrows/shift+arrows select · ctrl+c copies · f7 selects all")

    def on_mount(self) -> None:
        set_language(self.query_one("#viewer-text", TextArea), self._language)


class TextEntry(DialogScreen[str | None]):
    """Take a long text typed or pasted (a plan from a log, say); ctrl+s answers it, Escape None."""

    DEFAULT_CSS = """
    TextEntry > .dialog--frame { width: 100%; height: 100%; }
    TextEntry TextArea { height: 1fr; }
    """

    BINDINGS = [
        Binding("ctrl+s", "submit", "Use it", id="text_entry.submit", tooltip="Use this text", priority=True),
        CANCEL,
    ]

    def __init__(self, title: str, prompt: str, *, validate: Callable[[str], object] | None = None) -> None:
        """
        Args:
            validate: raises ValueError for a text that will not do; its first line is
                shown while the dialog stays open, so nothing typed is lost.
        """
        super().__init__(title)
        self._prompt, self._validate = prompt, validate

    def compose(self) -> ComposeResult:
        with self.frame():
            yield Label(Content(self._prompt))
            yield TextArea(id="entry-text", soft_wrap=False, show_line_numbers=False)
            yield Static(id="entry-error", classes="dialog--error")
            yield KeyHints([("submit", "Use it"), ("cancel", "Cancel")])

    def on_mount(self) -> None:
        self.query_one("#entry-error", Static).display = False
        self.query_one("#entry-text", TextArea).focus()

    def action_submit(self) -> None:
        text = self.query_one("#entry-text", TextArea).text
        if self._validate is not None:
            try:
                self._validate(text)
            except ValueError as error:
                show_status(self.query_one("#entry-error", Static), first_line(error))
                return
        self.dismiss(text)


def set_language(area: TextArea, language: str | None) -> None:
    """Highlight as `language` when this environment can; plain text is fine otherwise."""
    if language is None:
        return
    try:
        area.language = language
    except LanguageDoesNotExist:
        # tree-sitter is installed but without this grammar. The reactive already holds the
        # name, and every later `text =` would raise again: go back to plain text.
        area.language = None


class ProgressDialog(DialogScreen[bool]):
    """Show a long job's progress; Escape or c asks it to stop; answers whether it succeeded.

    The job runs in the caller's worker thread, which polls `cancel_requested` and reports
    through `app.call_from_thread(dialog.update_progress, done)`, then `finish(...)`.
    """

    DEFAULT_CSS = """
    ProgressDialog ProgressBar { margin-top: 1; }
    ProgressDialog ProgressBar Bar { width: 1fr; }
    """

    BINDINGS = [
        Binding("escape,c", "cancel", "Cancel", id="progress.cancel", tooltip="Ask the job to stop"),
        Binding("enter", "close", "Close", id="progress.close", tooltip="Close once the job is over"),
    ]

    def __init__(self, title: str, total: int | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        """
        Args:
            total: how many units (rows) there will be; None shows an indeterminate bar.
            clock: seconds, for the rate; tests pass a fake one.
        """
        super().__init__(title)
        self.total = total
        self.cancel_requested = threading.Event()
        """Set when the user asks to stop; the worker thread polls it between batches."""
        self.done = 0
        """Units done so far, as last reported."""
        self.outcome: str | None = None
        """The outcome line once `finish` was called; until then None."""
        self._failed = False
        self._clock = clock
        self._started = clock()

    def compose(self) -> ComposeResult:
        with self.frame():
            yield ProgressBar(total=self.total, show_eta=False, show_percentage=self.total is not None)
            yield Static(Content(self.progress_text()), id="progress-status", classes="dialog--muted")
            yield Static(id="progress-outcome")
            yield KeyHints(self._hints())

    def on_mount(self) -> None:
        # A quick job may report, or even finish, before the dialog is on screen; after
        # a refresh, so that the bar and labels have finished mounting themselves.
        self.call_after_refresh(self._show_state)

    def _hints(self) -> list[Hint]:
        return [("close", "Close"), ("cancel", "Close")] if self.outcome is not None else [("cancel", "Cancel")]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Enter must not close a running job's dialog by accident: it only closes at the end.
        if action == "close":
            return self.outcome is not None
        return True

    def progress_text(self) -> str:
        """ "12,345 rows · 8,100 rows/s · about 3 s left" (time left only with a total)."""
        parts = [f"{self.done:,} of {self.total:,} rows" if self.total is not None else f"{self.done:,} rows"]
        elapsed = self._clock() - self._started
        if self.done and elapsed > 0:
            rate = self.done / elapsed
            parts.append(f"{rate:,.0f} rows/s")
            if self.total is not None and self.done < self.total and self.outcome is None:
                parts.append(f"about {eta_text((self.total - self.done) / rate)} left")
        if self.cancel_requested.is_set() and self.outcome is None:
            parts.append("stopping…")
        return " · ".join(parts)

    def update_progress(self, done: int) -> None:
        """Show `done` units finished (on the UI thread: from a worker, via call_from_thread)."""
        self.done = done
        self._show_state()

    def finish(self, message: str, *, failed: bool = False) -> None:
        """Show how the job ended; the next Enter or Escape closes the dialog."""
        self.outcome, self._failed = message, failed
        self._show_state()
        self.refresh_bindings()

    def _show_state(self) -> None:
        if not self.is_mounted:
            return
        bar = self.query_one(ProgressBar)
        if self.outcome is not None and self.total is None:
            # An indeterminate bar would keep pulsing after the end.
            bar.update(total=max(self.done, 1), progress=max(self.done, 1))
        else:
            bar.update(progress=self.done)
        self.query_one("#progress-status", Static).update(Content(self.progress_text()))
        tone = "error" if self._failed else "muted" if self.cancel_requested.is_set() else "success"
        show_status(self.query_one("#progress-outcome", Static), self.outcome or "", tone)
        self.query_one(KeyHints).set_hints(self._hints())

    def action_cancel(self) -> None:
        if self.outcome is not None:
            self.action_close()
        elif not self.cancel_requested.is_set():
            self.cancel_requested.set()
            self._show_state()

    def action_close(self) -> None:
        if self.outcome is not None:
            self.dismiss(not self._failed and not self.cancel_requested.is_set())
