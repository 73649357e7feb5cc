"""`kittiwake list NAME [--folder FOLDER] [--json]`: the cached messages of a folder.

Read from the cache only (no network), newest first. Text output is one tab-separated line
per message: uid, flags, date, from, subject, size, message_id (server text with tabs and
line breaks flattened, so every line is one record). --json prints a list of objects.
"""

from __future__ import annotations

import argparse
import datetime
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kittiwake.client.commands.base import Command, Context
from kittiwake.client.store.model import MessageSummary, PageCursor

if TYPE_CHECKING:
    from kittiwake.client.engine import Engine

PAGE = 1000


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the account")
    parser.add_argument("--folder", default="INBOX", metavar="FOLDER", help="default: INBOX")
    parser.add_argument("--json", action="store_true", help="print JSON")


def iso_date(stamp: int) -> str:
    return datetime.datetime.fromtimestamp(stamp, datetime.UTC).isoformat().replace("+00:00", "Z")


def flag_names(message: MessageSummary) -> list[str]:
    return [*message.flags.to_imap(), *message.keywords]


def as_json(message: MessageSummary) -> dict[str, Any]:
    return {
        "uid": message.uid,
        "flags": flag_names(message),
        "message_id": message.message_id,
        "date": iso_date(message.date),
        "from": {"name": message.sender.name, "address": message.sender.address},
        "subject": message.subject,
        "size": message.size,
        "has_body": message.has_body,
    }


def _flat(text: str) -> str:
    return " ".join(text.split())


def as_line(message: MessageSummary) -> str:
    return "\t".join(
        (
            str(message.uid),
            " ".join(flag_names(message)) or "-",
            iso_date(message.date),
            _flat(str(message.sender)) or "-",
            _flat(message.subject),
            str(message.size),
            message.message_id or "-",
        )
    )


def all_messages(engine: Engine, folder_id: int) -> Iterator[MessageSummary]:
    after: PageCursor | None = None
    while True:
        page = engine.messages(folder_id, limit=PAGE, after=after)
        yield from page.rows
        if page.next is None:
            return
        after = page.next


def run(args: argparse.Namespace, context: Context) -> int:
    from kittiwake.client.engine import Engine  # lazily: `--help` stays fast

    with Engine.open(paths=context.paths, secrets=context.secrets) as engine:
        folder = engine.folder(args.name, args.folder)
        messages = all_messages(engine, folder.id)
        if args.json:
            context.say(json.dumps([as_json(m) for m in messages], ensure_ascii=False, indent=1))
        else:
            for message in messages:
                context.say(as_line(message))
    return 0


COMMAND = Command(
    name="list",
    help="list the cached messages of a folder",
    configure=configure,
    run=run,
)
