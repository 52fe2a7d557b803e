"""A new row (or a copy of one): a scrollable form with a field per column.

An empty field means "let the database decide": the column's DEFAULT when it has one,
else NULL when it may be NULL. Only a column with neither must be filled in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from data.errors import error_summary
from widgets.data_grid import clip
from widgets.dialogs import CANCEL, DialogScreen, KeyHints, first_line, show_status
from widgets.value_editor import BOOLEAN_CHOICES, EditOutcome, placeholder_for

EMPTY_STRING = "''"
"""Typed in a field, these two characters mean the empty string (an empty field is NULL/DEFAULT)."""

PLACEHOLDER_WIDTH = 34
"""What an Input shows of its placeholder at 80 columns, beside the name and type."""


@dataclass(frozen=True)
class FormField:
    """One column of the row."""

    name: str
    type_label: str
    kind: str
    """As ValueEditor's kinds: boolean and enum get a Select, every other kind an Input."""
    nullable: bool
    default: str | None
    """The DEFAULT expression's text, shown to the user ("default: now()")."""
    choices: Sequence[str] = ()
    validate: Callable[[str], str] = lambda text: text
    required: bool = False
    """A value must be typed even if the column could otherwise be left to NULL/DEFAULT."""


Write = Callable[[dict[str, EditOutcome]], object]
"""What a form is for (a grant, a new gift code): starts with the checked values and
answers the form later with RowForm.saved, refused or kept."""


class RowForm(DialogScreen[dict[str, EditOutcome] | None]):
    """Fill in a row; answers {column: EditOutcome} for every field, or None on Escape.

    Every field is checked on ctrl+s; all the errors are listed, one line each, and the
    first bad field gets the focus. With `write`, the form stays open while the write
    runs: refused by the server, it shows why (beside the field the refusal names) and
    keeps every value typed; it closes once the write is saved.
    """

    DEFAULT_CSS = """
    RowForm > .dialog--frame { width: 100%; }
    /* 60vh leaves room at 24 lines for five error lines, the help and the keys. */
    RowForm #row-form-fields { height: auto; max-height: 60vh; }
    RowForm .row-form--field { height: auto; }
    RowForm .row-form--name { width: 20; text-style: bold; text-wrap: nowrap; text-overflow: ellipsis; }
    RowForm .row-form--type {
        width: 18;
        padding-right: 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    RowForm .row-form--field Input, RowForm .row-form--field Select { width: 1fr; }
    RowForm .row-form--field .-invalid { background: $error-muted; }
    RowForm #row-form-errors { height: auto; max-height: 5; color: $text-error; }
    RowForm #row-form-help { color: $text-muted; }
    """

    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", id="row_form.submit", tooltip="Check every field and use the row"),
        CANCEL,
    ]

    def __init__(self, title: str, fields: Sequence[FormField], *, write: Write | None = None) -> None:
        super().__init__(title)
        self.fields = tuple(fields)
        self.write = write
        self.writing: dict[str, EditOutcome] | None = None
        """The values being written, while a write runs (ctrl+s waits for its answer)."""

    def compose(self) -> ComposeResult:
        with self.frame():
            with VerticalScroll(id="row-form-fields", can_focus=False):
                for index, field in enumerate(self.fields):
                    with Horizontal(classes="row-form--field"):
                        name = f"{field.name} *" if self.must_fill(field) else field.name
                        yield Label(Content(name), classes="row-form--name")
                        yield Label(Content(field.type_label), classes="row-form--type")
                        yield self._input(field, index)
            yield Static(id="row-form-errors")
            yield Static(
                f"empty = DEFAULT, else NULL · * needs a value · {EMPTY_STRING} = empty string · ⏎ next",
                id="row-form-help",
            )
            yield KeyHints([("submit", "Save"), ("cancel", "Cancel")])

    @staticmethod
    def must_fill(field: FormField) -> bool:
        """Whether an empty field is an error: required, or neither DEFAULT nor NULL to fall back on."""
        return field.required or (field.default is None and not field.nullable)

    def _input(self, field: FormField, index: int) -> Widget:
        if field.default is not None:
            hint = f"default: {field.default}"
        elif field.nullable:
            hint = "NULL"
        else:
            hint = "required"
        example = placeholder_for(field.kind, field.type_label)
        # The whole story (a long DEFAULT, the expected form) in the tooltip; the
        # placeholder is clipped because Input wraps a long one and shows its first line.
        tooltip = f"{field.name} ({field.type_label}) · empty means {hint}"
        if example:
            tooltip += f" · e.g. {example}"
        choices = BOOLEAN_CHOICES if field.kind == "boolean" else tuple(field.choices)
        widget: Widget
        if field.kind in ("boolean", "enum") and choices:
            widget = Select(
                [(Content(choice), choice) for choice in choices],
                prompt=clip(hint, PLACEHOLDER_WIDTH),
                compact=True,
                id=f"field-{index}",
            )
        else:
            placeholder = f"{hint}, e.g. {example}" if example and hint == "required" else hint
            widget = Input(placeholder=clip(placeholder, PLACEHOLDER_WIDTH), compact=True, id=f"field-{index}")
        widget.tooltip = tooltip
        return widget

    def on_mount(self) -> None:
        self.query_one("#row-form-errors", Static).display = False

    def raw_value(self, index: int) -> str:
        """What the user put in field `index`; "" when it is empty (or no choice is made)."""
        widget = self.query_one(f"#field-{index}")
        if isinstance(widget, Select):
            return "" if widget.value is Select.NULL else str(widget.value)
        assert isinstance(widget, Input)
        return widget.value

    def outcome(self, field: FormField, raw: str) -> EditOutcome:
        """The outcome of one field; raises ValueError with the message to show."""
        if raw == "":
            if field.required:
                raise ValueError("a value is required")
            if field.default is not None:
                return EditOutcome(None, use_default=True)
            if field.nullable:
                return EditOutcome(None)
            raise ValueError("a value is required")
        return EditOutcome(field.validate("" if raw == EMPTY_STRING else raw))

    def action_submit(self) -> None:
        if self.writing is not None:
            return
        outcomes: dict[str, EditOutcome] = {}
        errors: list[str] = []
        first_bad: Widget | None = None
        for index, field in enumerate(self.fields):
            widget = self.query_one(f"#field-{index}")
            try:
                outcomes[field.name] = self.outcome(field, self.raw_value(index))
            except ValueError as error:
                message = first_line(error)
                # The field is named once, whether or not the validator named it already.
                errors.append(message if message.startswith(field.name) else f"{field.name}: {message}")
                first_bad = first_bad or widget
                widget.add_class("-invalid")
            else:
                widget.remove_class("-invalid")
        show_status(self.query_one("#row-form-errors", Static), "\n".join(errors))
        if first_bad is not None:
            first_bad.focus()
            first_bad.scroll_visible()
            return
        if self.write is None:
            self.dismiss(outcomes)
            return
        self.writing = outcomes
        show_status(self.query_one("#row-form-errors", Static), "Saving…", "muted")
        self.write(outcomes)

    # The answers to `write`, from the screen that runs it (on the UI thread).

    def saved(self) -> None:
        """The write landed: the form closes with its values."""
        if self.writing is not None and self.is_attached:
            self.dismiss(self.writing)

    def refused(self, error: BaseException) -> None:
        """The write was refused: say why, beside the field it names, and keep the values."""
        self.writing = None
        if not self.is_attached:
            return
        message = error_summary(error)
        names = [field.name for field in self.fields]
        field = getattr(error, "field", None)
        if field in names:
            widget = self.query_one(f"#field-{names.index(field)}")
            widget.add_class("-invalid")
            widget.focus()
            message = message if message.startswith(field) else f"{field}: {message}"
        show_status(self.query_one("#row-form-errors", Static), message)

    def kept(self) -> None:
        """The write was called off before it ran (a confirmation cancelled): back to editing."""
        self.writing = None
        if self.is_attached:
            show_status(self.query_one("#row-form-errors", Static), "")

    @on(Input.Submitted)
    def next_field(self) -> None:
        # Enter moves on, as in a paper form; saving is ctrl+s, so a stray Enter never saves.
        self.focus_next()
