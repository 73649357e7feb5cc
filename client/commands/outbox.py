"""`kittiwake outbox [NAME] [--retry ID | --discard ID]`: what waits, what failed and why.

Lists one line per message: id, account, state, attempts, Message-ID, subject, and for a
waiting or failed message the server's reason. `--retry ID` makes a waiting or failed message
due now and tries to send it; `--discard ID` removes it from the outbox (it is not sent).
"""

from __future__ import annotations

import argparse
import asyncio
import email.parser
import email.policy
import time

from kittiwake.client.commands.base import Command, Context
from kittiwake.client.commands.send import lock_path, report
from kittiwake.client.engine import Engine
from kittiwake.client.store.queue import OutboxItem, OutboxState
from kittiwake.client.sync import outbox
from kittiwake.client.sync.outbox import AccountLink, OutboxSender, SenderLock


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="one account (default: all)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--retry", type=int, metavar="ID", help="try to send message ID now")
    action.add_argument("--discard", type=int, metavar="ID", help="remove message ID unsent")


def subject_of(raw: bytes) -> str:
    end = raw.find(b"\r\n\r\n")
    block = raw if end < 0 else raw[: end + 2]
    parsed = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(block)
    try:
        subject = str(parsed.get("Subject", ""))
    except (ValueError, LookupError, AttributeError):  # a broken encoded word
        subject = ""
    # One line, printable only: the text comes from a message.
    return "".join(ch for ch in " ".join(subject.split()) if ch.isprintable())[:60]


def describe(item: OutboxItem, now: float) -> str:
    line = (
        f"{item.id:>4}  {item.account}  {item.state.value:<7}  attempts={item.attempts}  "
        f"{item.message_id}  {subject_of(item.raw)!r}"
    )
    if item.state is OutboxState.QUEUED and item.next_attempt > now:
        line += f"  next try in {int(item.next_attempt - now)} s"
    if item.last_error and item.state is not OutboxState.SENT:
        line += "  -- " + " ".join(item.last_error.split())
    elif item.last_error:
        line += f"  ({item.last_error})"
    return line


def run(args: argparse.Namespace, context: Context) -> int:
    with Engine.open(paths=context.paths, secrets=context.secrets) as engine:
        store = engine.store
        account_id = None if args.name is None else engine.account(args.name).id
        if args.discard is not None:
            item = outbox.discard(store, args.discard)
            context.say(f"Discarded message {item.id} {item.message_id} (it was not sent).")
            return 0
        if args.retry is not None:
            with SenderLock(lock_path(context)) as alone:
                if alone:  # nobody is sending: a message still "sending" was left by a crash
                    outbox.recover(store)
            item = outbox.retry(store, args.retry)
            account = engine.account(item.account)
            link = AccountLink.for_account(account, engine.resolver)
            sender = OutboxSender(store, link, lock_path=lock_path(context))
            return report(store, item.id, context, asyncio.run(sender.run()))
        items = store.outbox.list(account_id)
        if not items:
            context.say("The outbox is empty.")
        now = time.time()
        for item in items:
            context.say(describe(item, now))
    return 0


COMMAND = Command(
    name="outbox",
    help="list the outbox; retry or discard a message",
    configure=configure,
    run=run,
)
