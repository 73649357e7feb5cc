"""`kittiwake send NAME FILE.eml`: send a message through the outbox.

The message is first put in the outbox (one durable transaction), then sent at once if the
server can be reached. Exit 0 when it was sent, or when it waits in the outbox because the
server cannot be reached now (it is sent by the next `send`, `outbox --retry`, or the app);
exit 1 when the server refused it for good (the reason is kept: `kittiwake outbox`).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from kittiwake.client.commands.base import Command, Context
from kittiwake.client.engine import Engine
from kittiwake.client.net.errors import ConfigError, KittiwakeError
from kittiwake.client.store.queue import OutboxState
from kittiwake.client.store.store import Store
from kittiwake.client.sync import outbox
from kittiwake.client.sync.outbox import AccountLink, OutboxSender, SendReport

# A message file bigger than this is almost certainly not a message (and would sit in memory).
MAX_MESSAGE_BYTES = 100 * 1024 * 1024
LOCK_FILE = "outbox.lock"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the account to send from")
    parser.add_argument("file", metavar="FILE.eml", help="the message (RFC 5322, with headers)")


def read_message(path: Path) -> bytes:
    if path.stat().st_size > MAX_MESSAGE_BYTES:
        raise ConfigError(f"{path} is larger than 100 MB.", "Send large files another way.")
    raw = path.read_bytes()
    head = raw[:65536]
    if b"\n\n" not in head.replace(b"\r\n", b"\n") and not raw.endswith(b"\n"):
        raise ConfigError(
            f"{path} does not look like a message.",
            "Give an RFC 5322 message: header lines (From:, To:...), a blank line, the body.",
        )
    return raw


class SendFailed(KittiwakeError, OSError):
    default_hint = "The message stays in the outbox as failed: `kittiwake outbox` shows it."


def run(args: argparse.Namespace, context: Context) -> int:
    raw = read_message(Path(args.file))
    with Engine.open(paths=context.paths, secrets=context.secrets) as engine:
        account = engine.account(args.name)
        item_id = outbox.enqueue(engine.store, account.id, raw, address=account.address)
        link = AccountLink.for_account(account, engine.resolver)
        sender = OutboxSender(engine.store, link, lock_path=lock_path(context))
        result = asyncio.run(sender.run())
        return report(engine.store, item_id, context, result)


def lock_path(context: Context) -> Path:
    """Held by whichever process sends (the app or the CLI), beside the cache."""
    return context.paths.data_dir / LOCK_FILE


def report(store: Store, item_id: int, context: Context, result: SendReport) -> int:
    """Say what became of one outbox message; the exit status for it."""
    item = store.outbox.get(item_id)
    if item is None:  # discarded by someone else meanwhile
        raise SendFailed(f"Message {item_id} is no longer in the outbox.")
    if item.state is OutboxState.SENT:
        context.say(f"Sent message {item.id} {item.message_id}.")
        return 0
    if item.state is OutboxState.FAILED:
        raise SendFailed(f"Message {item.id} was refused: {item.last_error}")
    why = item.last_error or (result.error.message if result.error else "not sent yet.")
    reason = " ".join(why.split())
    context.say(
        f"Queued message {item.id} {item.message_id} in the outbox: {reason} "
        f"It will be sent when the server can be reached (or now: kittiwake outbox --retry "
        f"{item.id})."
    )
    return 0


COMMAND = Command(
    name="send",
    help="send a message file through the outbox",
    configure=configure,
    run=run,
)
