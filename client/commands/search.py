"""`kittiwake search QUERY [--json]`: search the local cache (every account), newest first.

The query language is the store's (client/store/search/query.py): words, "phrases",
from:, to:, subject:, is:unread, before:/after: ... Messages the last sync stored are indexed
first, so a search right after `kittiwake sync` finds them.
"""

from __future__ import annotations

import argparse
import json

from kittiwake.client.commands.base import Command, Context
from kittiwake.client.commands.list import as_json, as_line


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", metavar="QUERY", help="e.g. 'from:alice budget is:unread'")
    parser.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace, context: Context) -> int:
    from kittiwake.client.engine import Engine  # lazily: `--help` stays fast

    with Engine.open(paths=context.paths, secrets=context.secrets) as engine:
        # A query it cannot read raises SearchSyntaxError (a KittiwakeError with examples).
        hits = engine.search(args.query, limit=max(1, args.limit))
        folders = {f.id: f for f in engine.folders()}
        if args.json:
            out = []
            for hit in hits:
                folder = folders.get(hit.folder_id)
                item = as_json(hit)
                item["account"] = folder.account if folder else ""
                item["folder"] = folder.name if folder else ""
                out.append(item)
            context.say(json.dumps(out, ensure_ascii=False, indent=1))
        else:
            for hit in hits:
                folder = folders.get(hit.folder_id)
                where = f"{folder.account}\t{folder.name}" if folder else "-\t-"
                context.say(f"{where}\t{as_line(hit)}")
    return 0


COMMAND = Command(
    name="search",
    help="search the cached mail of every account",
    configure=configure,
    run=run,
)
