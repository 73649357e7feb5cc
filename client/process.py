"""How long this process lives: a `kittiwake` command's ends right after its command.

`cli.run_as_program` says so before the command runs; the window's process never does. Work
that only pays off later in a long-lived process (the cache's checkpoints, store/checkpoints.py)
asks here. A module of its own so that saying it imports nothing: every command starts by it,
and most never open the cache.
"""

from __future__ import annotations

_short_lived = False


def ends_after_its_command() -> None:
    """This process leaves right after its command, without the interpreter's teardown."""
    global _short_lived
    _short_lived = True


def short_lived() -> bool:
    return _short_lived
