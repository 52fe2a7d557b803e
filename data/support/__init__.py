"""The support desk (DESIGN.md, screen 5): plain functions shared by the screen and the CLI.

Gacha: `players`, `currency`, `giftcodes`; metaserver: `metaserver`; accounts: `accounts`.
Every desk write runs in one transaction from `Database.connect_for_desk_action()` and
writes its console.audit_log rows in it.
"""
