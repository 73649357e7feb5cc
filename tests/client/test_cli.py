from __future__ import annotations

import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kittiwake.client import cli
from kittiwake.client.commands import COMMANDS
from kittiwake.client.logs import PROTOCOL_LOGGER
from kittiwake.client.net.errors import ConfigError
from kittiwake.client.paths import HOME_ENV
from tests.client.accounts.fakes import logging_sandbox


@pytest.fixture(autouse=True)
def _sandbox() -> Iterator[None]:
    with logging_sandbox():
        yield


@pytest.mark.parametrize(
    "args",
    [
        ["accounts", "list"],
        ["accounts"],
        ["--help"],
        ["-h"],
        ["--version"],
        ["--home", "/tmp/x", "accounts", "list"],
        ["--debug", "accounts", "list"],
        ["frobnicate"],  # unknown: the CLI explains, rather than a window opening silently
        ["--debug-protocol", "sync"],
        ["--home", "/tmp/x", "--bogus"],
    ],
)
def test_these_go_to_the_cli(args: list[str]) -> None:
    assert cli.wants_cli(args)


def test_the_gui_takes_the_global_options_it_shares() -> None:
    options = cli.gui_options(
        ["--home", "/tmp/k", "--debug-protocol", "mailto:a@example.org", "--debug"]
    )
    assert options == cli.GuiOptions(
        home="/tmp/k", debug=True, debug_protocol=True, arguments=("mailto:a@example.org",)
    )
    assert cli.gui_options(["--home=/tmp/k"]) == cli.GuiOptions(home="/tmp/k")
    assert cli.gui_options([]) == cli.GuiOptions()
    assert cli.gui_options(["--debug", "list"]) is None


def test_these_start_the_gui(tmp_path: Path) -> None:
    message = tmp_path / "saved message"
    message.write_bytes(b"Subject: hi\r\n\r\nbody\r\n")
    assert not cli.wants_cli([])
    assert not cli.wants_cli(["mailto:alice@example.org?subject=hi"])
    assert not cli.wants_cli(["MAILTO:alice@example.org"])
    assert not cli.wants_cli(["/home/alice/Downloads/invoice.eml"])
    assert not cli.wants_cli(["Invoice.EML"])
    assert not cli.wants_cli([str(message)])  # any existing file the desktop hands over


def test_every_registered_command_is_in_the_parser() -> None:
    parser = cli.build_parser()
    help_text = parser.format_help()
    for command in COMMANDS:
        assert command.name in help_text
        assert cli.wants_cli([command.name])
    assert cli.command_names() == {command.name for command in COMMANDS}
    assert {"accounts", "sync", "list", "show", "send", "outbox", "search"} <= cli.command_names()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"kittiwake {cli.version()}"
    assert cli.version() != "unknown"


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "accounts" in out and "--home DIR" in out


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "a command is needed" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_errors_are_one_line_plus_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "accounts.toml").write_text("not = [toml")
    assert cli.main(["--home", str(tmp_path), "accounts", "list"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("kittiwake: error: ") and "accounts.toml" in lines[0]
    assert lines[1] == f"hint: {ConfigError.default_hint}"


def test_home_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path))
    assert cli.main(["accounts", "list"]) == 0
    assert "No accounts" in capsys.readouterr().out
    assert (tmp_path / "logs" / "kittiwake.log").read_text().count("command accounts") == 1


def test_debug_adds_debug_records_to_the_log(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "kittiwake.log"
    assert cli.main(["--home", str(tmp_path), "accounts", "list"]) == 0
    assert "INFO" in log_file.read_text() and "DEBUG" not in log_file.read_text()
    assert cli.main(["--home", str(tmp_path), "--debug", "accounts", "list"]) == 0
    assert "DEBUG" in log_file.read_text()


def test_debug_protocol_turns_the_transcripts_on(tmp_path: Path) -> None:
    protocol = logging.getLogger(PROTOCOL_LOGGER)
    assert cli.main(["--home", str(tmp_path), "accounts", "list"]) == 0
    assert protocol.getEffectiveLevel() == logging.WARNING
    assert cli.main(["--home", str(tmp_path), "--debug-protocol", "accounts", "list"]) == 0
    assert protocol.getEffectiveLevel() == logging.DEBUG
    assert "--debug-protocol" in cli.build_parser().format_help()


def test_the_module_runs_as_a_program(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kittiwake.client.cli", "--home", str(tmp_path), "accounts", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "No accounts" in result.stdout


def test_the_registry_help_is_each_commands_own() -> None:
    from kittiwake.client import commands

    for entry in commands.ENTRIES:
        assert commands.load(entry.name).name == entry.name
        assert commands.load(entry.name).help == entry.help


def test_only_the_chosen_subcommand_is_configured() -> None:
    parser = cli.build_parser(["--home", "/tmp/x", "--debug", "list", "work"])
    options = parser.parse_args(["--home", "/tmp/x", "--debug", "list", "work", "--json"])
    assert options.command == "list" and options.json
    with pytest.raises(SystemExit):  # `sync` was not configured, so its options are unknown
        parser.parse_args(["sync", "--quiet"])


def test_sync_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    """`kittiwake sync` starts fast: no keyring (a password command needs none), no Qt, no
    SMTP, no mime parser, no other subcommand's module, no migration listing on a cache that
    is up to date, nothing only writers of the accounts file or certificate dialogs need."""
    with socket.socket() as unused:  # a port nobody listens on: the sync fails at connect
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    add = ["--home", str(tmp_path), "accounts", "add", "a", "--address", "a@example.org"]
    add += ["--incoming", "imap", "--incoming-host", "127.0.0.1", "--incoming-port", str(port)]
    add += ["--incoming-security", "tls", "--smtp-host", "127.0.0.1", "--smtp-port", str(port)]
    add += ["--smtp-security", "tls", "--password-command", "echo secret"]
    assert cli.main(add) == 0
    # A first run makes and migrates the cache (listing the migrations); the probed run is a
    # usual one, on an up-to-date cache.
    assert cli.main(["--home", str(tmp_path), "sync", "a", "--quiet"]) == 1
    probe = (
        "import sys\n"
        "from kittiwake.ui.launch import main\n"
        f"status = main(['--home', {str(tmp_path)!r}, 'sync', 'a', '--quiet'])\n"
        "heavy = ('keyring', 'PySide6', 'aiosmtplib', 'kittiwake.client.smtp',\n"
        "         'kittiwake.client.mime.parse', 'kittiwake.client.commands.send',\n"
        "         'kittiwake.client.commands.accounts', 'kittiwake.client.importexport',\n"
        "         'kittiwake.client.sync.outbox', 'importlib.metadata', 'email.parser',\n"
        "         'kittiwake.client.sync.envelope', 'kittiwake.client.sync.operations',\n"
        "         'kittiwake.client.store.search', 'kittiwake.client.store.threads',\n"
        "         'kittiwake.client.mime.threading', 'importlib.resources', 'zipfile',\n"
        "         'tempfile', 'hashlib', 'shutil', 'bz2', 'lzma', 'json')\n"
        "print(status, sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "1 []", result.stdout + result.stderr
    assert "kittiwake: error: a" in result.stderr  # it did try: connection refused


def _program(home: Path, *args: str, script: str = "") -> subprocess.CompletedProcess[str]:
    """`kittiwake --home HOME ARGS` as the installed command runs it (cli.run_as_program)."""
    code = script or "import sys\nfrom kittiwake.ui.launch import run\nrun()\n"
    return subprocess.run(
        [sys.executable, "-c", code, "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


MBOX = (
    b"From alice@example.org Mon Jun  3 12:50:27 1996\n"
    b"From: Alice <alice@example.org>\nSubject: kept across processes\n"
    b"Date: Mon, 3 Jun 1996 12:50:27 +0000\n\nhello\n\n"
)


def test_a_command_process_keeps_its_work_and_its_exit_status(tmp_path: Path) -> None:
    """The program ends with os._exit after its command: what it wrote to the cache (its WAL,
    left for the next start to fold in), its output and its log lines all survive."""
    home = tmp_path / "home"
    add = ["accounts", "add", "a", "--address", "a@example.org", "--incoming", "imap"]
    add += ["--incoming-host", "127.0.0.1", "--incoming-port", "993"]
    add += ["--incoming-security", "tls", "--smtp-host", "127.0.0.1", "--smtp-port", "465"]
    add += ["--smtp-security", "tls", "--password-command", "echo secret"]
    assert _program(home, *add).returncode == 0
    mbox = tmp_path / "in.mbox"
    mbox.write_bytes(MBOX)
    imported = _program(home, "import", "a", "--mbox", str(mbox), "--folder", "Old")
    assert imported.returncode == 0, imported.stderr
    assert Path(f"{home}/data/cache.sqlite3-wal").stat().st_size > 0  # not checkpointed
    listed = _program(home, "list", "a", "--folder", "Old")
    assert listed.returncode == 0 and "kept across processes" in listed.stdout, listed.stderr
    failed = _program(home, "list", "nobody")
    assert failed.returncode == 1 and "kittiwake: error:" in failed.stderr
    log = (home / "logs" / "kittiwake.log").read_text()
    assert log.count("command list\n") == 2 and "command list failed" in log


def test_a_thread_still_running_at_the_end_is_waited_for(tmp_path: Path) -> None:
    script = (
        "import sys, threading\n"
        "from kittiwake.client.cli import exit_now\n"
        "def late():\n"
        "    sys.stdin.read()\n"  # until the test closes stdin
        "    print('the thread finished')\n"
        "threading.Thread(target=late).start()\n"
        "print('main done', flush=True)\n"
        "exit_now(3)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline() == "main done\n"
        child.stdin.close()
        assert child.stdout.read() == "the thread finished\n"
        assert child.wait(timeout=60) == 3


def test_help_fits_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    text = cli.build_parser().format_help()
    assert max(len(line) for line in text.splitlines()) <= 50
    monkeypatch.setenv("COLUMNS", "120")
    wide = cli.build_parser().format_help()
    assert max(len(line) for line in wide.splitlines()) > 50  # the description's one line
