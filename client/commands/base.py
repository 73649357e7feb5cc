"""What a CLI subcommand is: a name, its arguments, and a function that runs it.

Each subcommand is one module under client/commands/ exposing COMMAND; the registry in
__init__.py lists them and cli.py builds the parser from that list, so adding `sync` later is
one new module plus one line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import field
from typing import TextIO

from kittiwake.client.accounts.secrets import KeyringStore
from kittiwake.client.paths import Paths
from kittiwake.client.records import record


@record(frozen=False)
class Context:
    """What a command may touch: the resolved paths, the secret store, the terminal."""

    paths: Paths
    secrets: KeyringStore = field(default_factory=KeyringStore)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    def say(self, text: str) -> None:
        print(text, file=self.stdout)

    def warn(self, text: str) -> None:
        print(f"kittiwake: warning: {text}", file=self.stderr)


@record
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    # Returns the exit status; raises a KittiwakeError for anything the user must fix.
    run: Callable[[argparse.Namespace, Context], int]
