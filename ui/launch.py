"""The `kittiwake` command: subcommands go to the headless CLI; no arguments start the GUI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from kittiwake.client import cli

    if cli.wants_cli(args):
        return cli.main(args)
    from kittiwake.ui import app  # Qt is imported only when the GUI really starts

    return app.main(args)


def run() -> None:
    """The `kittiwake` program (console script, bundle): as `main`, and a CLI command's process
    ends the moment its work is done (cli.run_as_program)."""
    args = sys.argv[1:]
    from kittiwake.client import cli

    if cli.wants_cli(args):
        cli.run_as_program(args)
    from kittiwake.ui import app

    raise SystemExit(app.main(args))


if __name__ == "__main__":
    run()
