"""Support desk: the tabs support staff work in all day (players, gift codes, metaserver, accounts).

Each tab is a pane of its own (screens/support_*.py) with its own keys and workers; every
action calls one function of data/support/, which checks the rules and writes the audit
row in the same transaction.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import TabbedContent, TabPane

from screens.base import TabbedScreen
from screens.support_accounts import AccountsPane
from screens.support_codes import GiftCodesPane
from screens.support_common import DeskPane
from screens.support_metaserver import MetaserverPane
from screens.support_players import PlayersPane
from widgets.key_bar import KeyBar
from widgets.title_bar import TitleBar


class SupportScreen(TabbedScreen):
    """Find a player and act for them; every action asks for a reason and is audited."""

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with TabbedContent(id="support-tabs"):
            with TabPane("Players", id="support-players"):
                yield PlayersPane()
            with TabPane("Gift codes", id="support-codes"):
                yield GiftCodesPane()
            with TabPane("Metaserver", id="support-metaserver"):
                yield MetaserverPane()
            with TabPane("Accounts", id="support-accounts"):
                yield AccountsPane()
        yield KeyBar()

    @on(DeskPane.ActionDone)
    def reread_other_tabs(self, event: DeskPane.ActionDone) -> None:
        """A desk action committed: every other tab reads again what it shows, which the
        action may have changed (a redemption moves the code's used count, a grant the
        balance a metaserver player row shows). The acting tab has already reloaded."""
        for pane in self.query(DeskPane):
            if pane is not event.pane:
                pane.action_reload()

    @on(TabbedContent.TabActivated)
    def focus_tab(self, event: TabbedContent.TabActivated) -> None:
        # The screen gives the focus, not the panes: a pane focusing one of its widgets
        # from a worker would pull its tab to the front while another is being read.
        for widget in event.pane.query("Input, DataTable"):
            if widget.focusable:
                widget.focus()
                return
