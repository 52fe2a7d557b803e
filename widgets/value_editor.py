"""Edit one cell: an editor that fits the column's type, NULL and DEFAULT one key away.

The caller (the Tables screen) knows the column; this dialog gets plain text, the kind of
editor to show and a `validate` callable that parses the text the way the database will,
so the user hears about a bad value before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from widgets.dialogs import CANCEL, DialogScreen, KeyHints, first_line, set_language, show_status

BOOLEAN_CHOICES = ("true", "false")

PLACEHOLDERS: dict[str, str] = {
    "date": "2026-11-22",
    "timestamp": "2026-11-22 14:05:00",
    "time": "14:05:00",
    "number": "42 or -3.14",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "network": "192.168.0.1/24 or 08:00:2b:01:02:03",
    "bytes": "\\x0a1b",
    "array": "{1,2,3}",
    "vector": "[0.1, 0.2, …]",
}
"""An example value per kind of Input, shown while the field is empty."""


def placeholder_for(kind: str, type_label: str) -> str:
    """The example for `kind`; time zones only where the column keeps one."""
    example = PLACEHOLDERS.get(kind, "")
    if kind == "number" and any(word in type_label for word in ("int", "serial", "whole")):
        example = "42"  # no decimals where none are taken
    if kind in ("timestamp", "time") and ("with time zone" in type_label or type_label.endswith("tz")):
        example += "+00"
    return example


@dataclass(frozen=True)
class EditOutcome:
    """What to write to the cell."""

    text: str | None
    """The new value as text, already validated; None means NULL."""
    use_default: bool = False
    """Set the column's DEFAULT (then `text` is None)."""


class ValueEditor(DialogScreen[EditOutcome | None]):
    """Edit one value; answers an EditOutcome, or None when the user cancels.

    json and text get a multi-line TextArea (json is checked as you type), boolean and enum
    a list to pick from, every other kind one Input with an example of the expected form.
    """

    DEFAULT_CSS = """
    ValueEditor > .dialog--frame { width: 90; }
    ValueEditor #value-type { color: $text-muted; }
    ValueEditor #value-null {
        width: auto;
        padding: 0 1;
        margin-top: 1;
        background: $warning-muted;
        color: $text-warning;
        text-style: bold;
    }
    ValueEditor #value-empty { margin-top: 1; color: $text-muted; }
    ValueEditor TextArea { height: 10; }
    ValueEditor OptionList { height: auto; max-height: 10; }
    ValueEditor #value-editor { margin-top: 1; }
    """

    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", id="value_editor.apply", tooltip="Check the value and write it"),
        Binding("ctrl+n", "set_null", "NULL", id="value_editor.null", tooltip="Set the value to NULL"),
        # ctrl+d deletes to the right in Input and TextArea: a priority binding wins over
        # them (the Delete key still does that job).
        Binding(
            "ctrl+d",
            "set_default",
            "DEFAULT",
            id="value_editor.default",
            tooltip="Set the column's DEFAULT",
            priority=True,
        ),
        # A TextArea that indents with tab uses Escape to leave itself: the dialog's
        # Escape must come first or it could never be cancelled from there.
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip=CANCEL.tooltip, priority=True),
    ]

    def __init__(
        self,
        title: str,
        kind: str,
        value: str | None,
        *,
        type_label: str,
        nullable: bool,
        default: str | None = None,
        choices: Sequence[str] = (),
        validate: Callable[[str], str] = lambda text: text,
    ) -> None:
        """
        Args:
            title: where the value lives, e.g. "gacha.users id=7 · quartzs".
            kind: "json", "boolean", "enum", "text", or an Input kind from PLACEHOLDERS.
            value: the current value as text; None when it is NULL.
            type_label: the column's type as the database names it, e.g. "jsonb".
            default: the column's DEFAULT expression, or None when it has none.
            choices: the labels of an enum.
            validate: returns the text to write or raises ValueError (shown inline).
        """
        super().__init__(title)
        self.kind, self.value = kind, value
        self.type_label, self.nullable, self.default = type_label, nullable, default
        self.choices = tuple(BOOLEAN_CHOICES if kind == "boolean" else choices)
        self._validate = validate

    def compose(self) -> ComposeResult:
        facts = [self.type_label, "nullable" if self.nullable else "NOT NULL"]
        if self.default is not None:
            facts.append(f"default {self.default}")
        with self.frame():
            yield Static(Content(" · ".join(facts)), id="value-type")
            # NULL and the empty string look alike in an empty editor: say which it is.
            if self.value is None:
                yield Static("currently NULL", id="value-null")
            elif self.value == "":
                yield Static("currently the empty string", id="value-empty")
            yield self._editor()
            yield Static(id="value-status")
            yield KeyHints(
                [
                    ("apply", "Apply"),
                    ("set_null", "NULL"),
                    ("set_default", "DEFAULT"),
                    ("cancel", "Cancel"),
                ],
                dimmed=[action for action, usable in self._setters() if not usable],
            )

    def _setters(self) -> list[tuple[str, bool]]:
        return [("set_null", self.nullable), ("set_default", self.default is not None)]

    def _editor(self) -> Widget:
        text = self.value or ""
        if self.kind in ("json", "text"):
            return TextArea(
                text,
                soft_wrap=True,
                # JSON is indented; in free text tab leaves the field like anywhere else.
                tab_behavior="indent" if self.kind == "json" else "focus",
                id="value-editor",
            )
        if self.choices:
            options = OptionList(*(Option(Content(choice)) for choice in self.choices), id="value-editor")
            if self.value in self.choices:
                options.highlighted = self.choices.index(self.value)
            return options
        return Input(text, placeholder=placeholder_for(self.kind, self.type_label), id="value-editor")

    def on_mount(self) -> None:
        self.query_one("#value-status", Static).display = False
        if self.kind == "json":
            editor = self.query_one("#value-editor", TextArea)
            set_language(editor, "json")
            self.check_json(editor.text)

    @on(TextArea.Changed, "#value-editor")
    def json_changed(self, event: TextArea.Changed) -> None:
        if self.kind == "json":
            self.check_json(event.text_area.text)

    def check_json(self, text: str) -> bool:
        """Say under the editor whether `text` is valid JSON; True when it is."""
        status = self.query_one("#value-status", Static)
        try:
            self._validate(text)
        except ValueError as error:
            show_status(status, first_line(error))
            return False
        show_status(status, "valid JSON", "success")
        return True

    def editor_text(self) -> str | None:
        """The text in the editor; for a list, the highlighted choice (None when none is)."""
        editor = self.query_one("#value-editor")
        if isinstance(editor, TextArea):
            return editor.text
        if isinstance(editor, OptionList):
            index = editor.highlighted
            return None if index is None else self.choices[index]
        assert isinstance(editor, Input)
        return editor.value

    def action_apply(self) -> None:
        status = self.query_one("#value-status", Static)
        text = self.editor_text()
        if text is None:
            show_status(status, "Pick a value first.")
            return
        try:
            validated = self._validate(text)
        except ValueError as error:
            show_status(status, first_line(error))
            self.query_one("#value-editor").focus()
            return
        self.dismiss(EditOutcome(validated))

    @on(Input.Submitted, "#value-editor")
    @on(OptionList.OptionSelected, "#value-editor")
    def submitted(self) -> None:
        # One-line editors and lists take Enter as "apply"; multi-line ones need it for newlines.
        self.action_apply()

    def action_set_null(self) -> None:
        if not self.nullable:
            show_status(self.query_one("#value-status", Static), "This column is NOT NULL: it needs a value.")
            return
        self.dismiss(EditOutcome(None))

    def action_set_default(self) -> None:
        if self.default is None:
            show_status(self.query_one("#value-status", Static), "This column has no DEFAULT.")
            return
        self.dismiss(EditOutcome(None, use_default=True))
