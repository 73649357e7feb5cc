"""`kittiwake sync [NAME] [--folder FOLDER] [--quiet]`: bring the cache up to the server.

Exit 0 when every account (and folder) synced; otherwise 1 with one line naming the account
and the reason, then a hint (cli.py prints both). Progress goes to stderr, and only to a
terminal: scripts that capture stderr get the error line and nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TextIO

from kittiwake.client.commands.base import Command, Context
from kittiwake.client.events import Event, SyncProgress
from kittiwake.client.net.errors import ConfigError, KittiwakeError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="one account (default: all)")
    parser.add_argument(
        "--folder",
        action="append",
        metavar="FOLDER",
        help="sync only this folder (repeatable); needs NAME",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing unless it fails")


class _Progress:
    """One self-overwriting status line on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.width = 0

    def __call__(self, event: Event) -> None:
        if not isinstance(event, SyncProgress):
            return
        where = f"{event.account} {event.folder}".strip()
        count = f" {event.done}/{event.total}" if event.total > 1 else ""
        text = f"{where}: {event.phase.value}{count}"[:79]
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def run(args: argparse.Namespace, context: Context) -> int:
    if args.folder and not args.name:
        raise ConfigError(
            "--folder needs an account NAME.", "e.g. kittiwake sync work --folder INBOX"
        )
    from kittiwake.client.engine import Engine  # lazily: `--help` stays fast

    with Engine.open(paths=context.paths, secrets=context.secrets) as engine:
        if args.name is None and not engine.accounts():
            raise ConfigError(
                "There are no accounts to sync.", "Add one with `kittiwake accounts add`."
            )
        progress = _Progress(context.stderr)
        if not args.quiet and context.stderr.isatty():
            engine.add_listener(progress)
        try:
            results = asyncio.run(engine.sync(args.name, folders=args.folder))
        finally:
            progress.clear()
    failed = [r for r in results if r.error is not None]
    if not args.quiet:
        for result in results:
            if result.error is None:
                t = result.totals
                context.say(
                    f"{result.account}: {len(result.folders)} folders, {t.added} new, "
                    f"{t.removed} removed, {t.flags_changed} flag changes, {t.bodies} bodies"
                )
    for result in failed[1:]:
        assert result.error is not None
        context.warn(f"{result.account}: {' '.join(result.error.message.split())}")
    if failed:
        first = failed[0]
        assert first.error is not None
        where = f" (folder {first.failed_folder})" if first.failed_folder else ""
        raise KittiwakeError(f"{first.account}{where}: {first.error.message}", first.error.hint)
    return 0


COMMAND = Command(
    name="sync",
    help="download new mail and changes into the local cache",
    configure=configure,
    run=run,
)
