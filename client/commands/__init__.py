"""The registry of CLI subcommands (see base.py); the order here is the order in --help."""

from __future__ import annotations

from kittiwake.client.commands import accounts
from kittiwake.client.commands.base import Command, Context

COMMANDS: tuple[Command, ...] = (accounts.COMMAND,)

__all__ = ["COMMANDS", "Command", "Context"]
