"""`kittiwake show (NAME --folder FOLDER --uid UID | --file FILE.eml) [--raw | --json]`.

A cached message (no network: `kittiwake sync` downloads bodies) or a message file, shown as
text (headers, body text, attachments), as its raw bytes, or as the display model in JSON
(decoded headers, text, attachments, warnings: client/mime's display_json).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kittiwake.client.commands.base import Command, Context
from kittiwake.client.net.errors import CommandFailed, ConfigError

MAX_FILE = 256 << 20  # a "message" larger than this is not one we should read into memory


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="the account")
    parser.add_argument("--folder", default="INBOX", metavar="FOLDER", help="default: INBOX")
    parser.add_argument("--uid", type=int, metavar="UID", help="the message's UID in FOLDER")
    parser.add_argument("--file", metavar="FILE.eml", help="show a message file instead")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--raw", action="store_true", help="print the message's bytes unchanged")
    form.add_argument("--json", action="store_true", help="print the display model as JSON")


def _from_file(path_text: str) -> bytes:
    path = Path(path_text).expanduser()
    try:
        if path.stat().st_size > MAX_FILE:
            raise ConfigError(f"{path} is too large to be a message.", "Check the file name.")
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"The file {path} does not exist.", "Check the path.") from None


def _from_cache(args: argparse.Namespace, context: Context) -> bytes:
    from kittiwake.client.engine import Engine  # lazily: `--help` stays fast

    with Engine.open(paths=context.paths, secrets=context.secrets) as engine:
        folder = engine.folder(args.name, args.folder)
        summary = engine.message_by_uid(folder.id, args.uid)
        if summary is None:
            raise CommandFailed(
                f"There is no message with UID {args.uid} in {folder.name} of {folder.account}.",
                f"`kittiwake list {folder.account} --folder {folder.name}` shows the UIDs.",
            )
        raw = engine.raw_message(summary.id)
        if raw is None:
            raise CommandFailed(
                f"The message UID {args.uid} has not been downloaded for offline reading.",
                f"Run `kittiwake sync {folder.account} --folder {folder.name}` to download it.",
            )
        return raw


def _names(mailboxes: list[dict[str, Any]]) -> str:
    return ", ".join(
        f"{m['name']} <{m['address']}>" if m.get("name") and m.get("address") else
        str(m.get("name") or m.get("address") or "")
        for m in mailboxes
    )  # fmt: skip


def as_text(model: dict[str, Any]) -> str:
    headers = model["headers"]
    lines = []
    for label, value in (
        ("From", _names(headers["from"])),
        ("To", _names(headers["to"])),
        ("Cc", _names(headers["cc"])),
        ("Date", headers["date"]),
        ("Subject", headers["subject"]),
    ):
        if value:
            lines.append(f"{label}: {value}")
    lines.append("")
    lines.append(model["text"].rstrip("\n"))
    attachments = model["attachments"]
    if attachments:
        lines.append("")
        for item in attachments:
            name = item["filename"] or "(no name)"
            kind, size = item["content_type"], item["size"]
            lines.append(f"[attachment {item['part_path']}] {name} ({kind}, {size} bytes)")
    for warning in model["warnings"]:
        lines.append(f"[warning] {warning}")
    return "\n".join(lines)


def run(args: argparse.Namespace, context: Context) -> int:
    if args.file is not None:
        if args.name is not None or args.uid is not None:
            raise ConfigError(
                "Give either --file or NAME --uid, not both.", "See `kittiwake show --help`."
            )
        raw = _from_file(args.file)
    else:
        if args.name is None or args.uid is None:
            raise ConfigError(
                "Which message? Give NAME --folder FOLDER --uid UID, or --file FILE.eml.",
                "`kittiwake list NAME` shows the UIDs of the cached messages.",
            )
        raw = _from_cache(args, context)
    if args.raw:
        buffer = getattr(context.stdout, "buffer", None)
        if buffer is not None:
            context.stdout.flush()
            buffer.write(raw)
            buffer.flush()
        else:
            context.stdout.write(raw.decode("utf-8", "replace"))
        return 0
    from kittiwake.client.mime.parse import display_json

    model = display_json(raw)
    if args.json:
        context.say(json.dumps(model, ensure_ascii=False, indent=1))
    else:
        context.say(as_text(model))
    return 0


COMMAND = Command(
    name="show",
    help="show a cached message or a message file",
    configure=configure,
    run=run,
)
