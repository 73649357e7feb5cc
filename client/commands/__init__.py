"""The registry of CLI subcommands (see base.py); the order here is the order in --help.

Each entry names its module instead of importing it: a subcommand's module pulls in what it
works with (the engine, SMTP, the mime parser), and `kittiwake sync` should not pay for
`send`'s imports. cli.py configures only the subcommand being run; `load` imports one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kittiwake.client.commands.base import Command, Context
from kittiwake.client.records import record

if TYPE_CHECKING:
    from collections.abc import Iterable


@record
class Entry:
    name: str
    help: str  # what --help lists; equal to the module's Command.help (a test checks)
    module: str  # under kittiwake.client.commands
    attribute: str = "COMMAND"


ENTRIES: tuple[Entry, ...] = (
    Entry("accounts", "add, list or remove accounts", "accounts"),
    Entry("sync", "download new mail and changes into the local cache", "sync"),
    Entry("list", "list the cached messages of a folder", "list"),
    Entry("show", "show a cached message or a message file", "show"),
    Entry("search", "search the cached mail of every account", "search"),
    Entry("send", "send a message file through the outbox", "send"),
    Entry("outbox", "list the outbox; retry or discard a message", "outbox"),
    Entry(
        "import",
        "import an mbox file or a Maildir folder into a local folder",
        "import_export",
        "IMPORT",
    ),
    Entry("export", "export a folder as an mbox file", "import_export", "EXPORT"),
)


def names() -> frozenset[str]:
    return frozenset(entry.name for entry in ENTRIES)


def load(name: str) -> Command:
    """The Command called `name` (imports its module); KeyError for an unknown name."""
    entry = next((e for e in ENTRIES if e.name == name), None)
    if entry is None:
        raise KeyError(name)
    module = importlib.import_module(f"kittiwake.client.commands.{entry.module}")
    command = getattr(module, entry.attribute)
    assert isinstance(command, Command)
    return command


def load_all(entries: Iterable[Entry] = ENTRIES) -> tuple[Command, ...]:
    return tuple(load(entry.name) for entry in entries)


def __getattr__(name: str) -> Any:
    # COMMANDS (every Command, imported) stays available to code that wants them all.
    if name == "COMMANDS":
        return load_all()
    raise AttributeError(name)


__all__ = ["ENTRIES", "Command", "Context", "Entry", "load", "names"]
