"""`kittiwake import NAME (--mbox FILE | --maildir DIR) [--folder FOLDER]` and
`kittiwake export NAME --folder FOLDER --mbox FILE`.

Import stores into a local folder of the account (default "Imported"; see
client/importexport.py for where local folders live and why). Export writes mboxrd, atomically.
Both print one summary line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kittiwake.client.commands.base import Command, Context
from kittiwake.client.importexport import DEFAULT_FOLDER


def configure_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the account")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--mbox", metavar="FILE", help="an mbox file (mboxo or mboxrd)")
    source.add_argument("--maildir", metavar="DIR", help="a Maildir folder (with cur/, new/)")
    parser.add_argument(
        "--folder", default=DEFAULT_FOLDER, metavar="FOLDER", help=f"default: {DEFAULT_FOLDER}"
    )


def run_import(args: argparse.Namespace, context: Context) -> int:
    from kittiwake.client.engine import Engine  # lazily: `--help` stays fast

    maildir = args.maildir is not None
    source = Path(args.maildir if maildir else args.mbox)
    with Engine.open(paths=context.paths, secrets=context.secrets) as engine:
        report = engine.import_mail(args.name, source, maildir=maildir, folder=args.folder)
    context.say(
        f"imported {report.imported}, already present {report.already_present}, "
        f"malformed (kept) {report.malformed}"
    )
    return 0


def configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the account")
    parser.add_argument("--folder", required=True, metavar="FOLDER", help="the folder to export")
    parser.add_argument("--mbox", required=True, metavar="FILE", help="the mbox file to write")


def run_export(args: argparse.Namespace, context: Context) -> int:
    from kittiwake.client.engine import Engine

    with Engine.open(paths=context.paths, secrets=context.secrets) as engine:
        written, skipped = engine.export_mbox(args.name, args.folder, Path(args.mbox))
    context.say(f"exported {written}, skipped (not downloaded) {skipped}")
    return 0


IMPORT = Command(
    name="import",
    help="import an mbox file or a Maildir folder into a local folder",
    configure=configure_import,
    run=run_import,
)
EXPORT = Command(
    name="export",
    help="export a folder as an mbox file",
    configure=configure_export,
    run=run_export,
)
