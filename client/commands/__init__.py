"""The registry of CLI subcommands (see base.py); the order here is the order in --help."""

from __future__ import annotations

from kittiwake.client.commands import accounts, import_export, outbox, search, send, show, sync
from kittiwake.client.commands import list as list_command
from kittiwake.client.commands.base import Command, Context

COMMANDS: tuple[Command, ...] = (
    accounts.COMMAND,
    sync.COMMAND,
    list_command.COMMAND,
    show.COMMAND,
    search.COMMAND,
    send.COMMAND,
    outbox.COMMAND,
    import_export.IMPORT,
    import_export.EXPORT,
)

__all__ = ["COMMANDS", "Command", "Context"]
