"""The headless `kittiwake` command line.

Contract: `kittiwake [--home DIR] [--debug] [--debug-protocol] COMMAND ...`; exit status 0 on
success, 1 when something the user can fix went wrong (one line `kittiwake: error: ...` on
stderr, then a `hint:` line), 2 for a usage error (argparse's message), 130 on Ctrl-C. The
subcommands come from the registry in client/commands/.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from kittiwake.client import commands
from kittiwake.client.commands import Context
from kittiwake.client.logs import close_logging, setup_logging
from kittiwake.client.net.errors import KittiwakeError
from kittiwake.client.paths import HOME_ENV, Paths
from kittiwake.client.records import record

log = logging.getLogger(__name__)

PROG = "kittiwake"


def version() -> str:
    from importlib import metadata  # lazily: ~15 ms that only --version needs

    try:
        return metadata.version("kittiwake")
    except metadata.PackageNotFoundError:
        return "unknown"


class _Version(argparse.Action):
    """argparse's "version" action, asking for the version only when it is wanted."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "show the program's version number and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        print(f"{PROG} {version()}")
        parser.exit()


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, told the terminal's width: left to find it, argparse imports
    shutil (and with it bz2, lzma and fnmatch) in every parser it makes, at every start."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_terminal_width() - 2)


def _terminal_width() -> int:
    # shutil.get_terminal_size's rules: $COLUMNS, else the terminal's, else 80.
    with contextlib.suppress(ValueError):
        return int(os.environ.get("COLUMNS", ""))
    stdout = sys.__stdout__
    try:
        return (os.get_terminal_size(stdout.fileno()).columns if stdout else 0) or 80
    except (ValueError, OSError):
        return 80


def command_names() -> frozenset[str]:
    return commands.names()


def _chosen(args: Sequence[str]) -> str | None:
    """The subcommand named in `args` (the first word that is not a global option)."""
    index = 0
    while index < len(args):
        argument = args[index]
        if argument == "--home":
            index += 2
            continue
        if argument.startswith("-"):
            index += 1
            continue
        return argument
    return None


def build_parser(args: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with `args`, only the subcommand they name is configured (and imported),
    the others are listed by name and help. Without, every subcommand is configured."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=_HelpFormatter,
        description="Kittiwake, a desktop e-mail client. Without a command, the window opens.",
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument(
        "--home",
        metavar="DIR",
        help=f"keep config, data and logs under DIR (default: ${HOME_ENV}, else the platform's)",
    )
    parser.add_argument("--debug", action="store_true", help="write debug details to the log")
    parser.add_argument(
        "--debug-protocol",
        action="store_true",
        help="also log IMAP/SMTP/POP3 transcripts (passwords and tokens are redacted)",
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = None if args is None else _chosen(args)
    for entry in commands.ENTRIES:
        sub = subcommands.add_parser(
            entry.name, help=entry.help, description=entry.help, formatter_class=_HelpFormatter
        )
        if args is None or entry.name == chosen:
            commands.load(entry.name).configure(sub)
    return parser


def _opens_in_gui(arg: str) -> bool:
    # What a desktop file or a file manager hands us: a mailto: link, or a message to show.
    if arg.lower().startswith("mailto:"):
        return True
    if arg.lower().endswith(".eml"):
        return True
    try:
        return Path(arg).is_file()
    except (OSError, ValueError):
        return False


@record
class GuiOptions:
    """The global options the window understands too, and what it should open."""

    home: str | None = None
    debug: bool = False
    debug_protocol: bool = False
    arguments: tuple[str, ...] = ()


def gui_options(args: Sequence[str]) -> GuiOptions | None:
    """The GUI's share of the arguments: `--home DIR`, `--debug`, `--debug-protocol`, then
    mailto: URLs and message files. None when anything else is there: that is for the CLI,
    which explains it (an unknown word gets an error rather than a silently opened window)."""
    home: str | None = None
    debug = debug_protocol = False
    arguments: list[str] = []
    index = 0
    while index < len(args):
        argument = args[index]
        if argument == "--debug":
            debug = True
        elif argument == "--debug-protocol":
            debug_protocol = True
        elif argument == "--home" and index + 1 < len(args):
            index += 1
            home = args[index]
        elif argument.startswith("--home="):
            home = argument.partition("=")[2]
        elif argument.startswith("-") or argument in command_names() or not _opens_in_gui(argument):
            return None
        else:
            arguments.append(argument)
        index += 1
    return GuiOptions(home, debug, debug_protocol, tuple(arguments))


def wants_cli(args: Sequence[str]) -> bool:
    """True when the arguments are for the CLI; False to start the GUI (no arguments, a
    mailto: URL, a message file, with the global options the GUI shares)."""
    return gui_options(args) is None


def _report(error: KittiwakeError, stderr: TextIO) -> None:
    # The message is one line by construction; keep it so even if a server's text slipped in.
    message = " ".join(error.message.split())
    print(f"{PROG}: error: {message}", file=stderr)
    if error.hint:
        print(f"hint: {' '.join(error.hint.split())}", file=stderr)


def main(args: Sequence[str] | None = None, *, context: Context | None = None) -> int:
    argv = list(sys.argv[1:] if args is None else args)
    parser = build_parser(argv)
    try:
        options = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, usage errors: argparse already printed
        return exit_.code if isinstance(exit_.code, int) else 2
    if options.command is None:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: error: a command is needed (see {PROG} --help)", file=sys.stderr)
        return 2
    command = commands.load(options.command)
    if context is None:
        context = Context(paths=Paths.resolve(options.home))
    stderr = context.stderr
    try:
        context.paths.ensure()
        setup_logging(
            context.paths.log_dir,
            level=logging.DEBUG if options.debug or options.debug_protocol else logging.INFO,
            debug_protocol=options.debug_protocol,
        )
        log.info("command %s", options.command)
        log.debug("config %s, data %s", context.paths.config_dir, context.paths.data_dir)
        return command.run(options, context)
    except KittiwakeError as error:
        log.info("command %s failed: %s", options.command, type(error).__name__)
        _report(error, stderr)
        return 1
    except OSError as error:
        print(f"{PROG}: error: {error.strerror or error}", file=stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=stderr)
        return 130
    finally:
        close_logging()


def run_as_program(args: Sequence[str]) -> NoReturn:
    """`main` as the `kittiwake` process runs it: the command, then the exit, without the
    interpreter's teardown once everything is flushed and closed.

    A command's process ends right after its work, and tearing the interpreter down (freeing
    every module and object one by one) took 50-70 ms of a 0.3 s `kittiwake sync`, longer than
    the sync's network traffic. The command closes what it opened (the engine, the cache, the
    log file) before main returns; the cache keeps its checkpoints off the critical path of
    such a process (client/process.py, store/checkpoints.py). A thread still running would
    be cut short, so then the interpreter's normal exit waits for it, as it always did.
    """
    from kittiwake.client import process

    process.ends_after_its_command()
    code = main(args)
    exit_now(code)


def exit_now(code: int) -> NoReturn:
    """Flush what is buffered and end the process with `code` at once (os._exit), or, with a
    non-daemon thread still running, the normal way (which waits for it)."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe must not change the exit status
            stream.flush()
    main_thread = threading.main_thread()
    if any(t.is_alive() and not t.daemon and t is not main_thread for t in threading.enumerate()):
        raise SystemExit(code)
    os._exit(code)


if __name__ == "__main__":
    run_as_program(sys.argv[1:])
