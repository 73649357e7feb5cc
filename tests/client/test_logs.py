from __future__ import annotations

import base64
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kittiwake.client import logs
from kittiwake.client.logs import MASK, redact, register_secret, setup_logging
from tests.client.accounts.fakes import logging_sandbox

log = logging.getLogger("kittiwake.test")


@pytest.fixture(autouse=True)
def _sandbox() -> Iterator[None]:
    with logging_sandbox():
        yield


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_registered_secret_and_auth_payloads_never_reach_the_file(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "logs", level=logging.DEBUG, debug_protocol=True)
    register_secret("S3cret-Pw!", username="alice")
    transcript = logging.getLogger(logs.PROTOCOL_LOGGER)
    transcript.debug("C: a1 LOGIN alice %s", '"S3cret-Pw!"')
    transcript.debug("C: AUTH PLAIN %s", b64("\0alice\0S3cret-Pw!"))
    transcript.debug("C: %s", b64("S3cret-Pw!"))  # AUTH LOGIN's second answer
    transcript.debug("C: %r", b'a2 LOGIN alice "S3cret-Pw!"\r\n')
    log.info("password is %s", "S3cret-Pw!")
    try:
        raise ValueError("bad password S3cret-Pw!")
    except ValueError:
        log.exception("failed")
    log.warning("stack", stack_info=True, extra={"pw": "ignored"})
    text = path.read_text(encoding="utf-8")
    assert "S3cret-Pw!" not in text
    assert b64("\0alice\0S3cret-Pw!") not in text
    assert b64("S3cret-Pw!") not in text
    assert "C: a1 LOGIN alice [redacted]" in text
    assert "ValueError: bad password [redacted]" in text  # the traceback is kept, redacted
    assert text.count(MASK) >= 6


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("C: AUTH PLAIN AGJvYgBzZWNyZXQ=", "C: AUTH PLAIN [redacted]"),
        ("C: a1 AUTHENTICATE PLAIN AGJvYgBzZWNyZXQ=", "C: a1 AUTHENTICATE PLAIN [redacted]"),
        ("C: AUTH XOAUTH2 dXNlcj1ib2IBYXV0aD1C", "C: AUTH XOAUTH2 [redacted]"),
        ("C: AUTH LOGIN Ym9i", "C: AUTH LOGIN [redacted]"),
        ('C: a1 LOGIN bob "pa ss\\"word"', "C: a1 LOGIN bob [redacted]"),
        ("C: a1 LOGIN {3} {8}", "C: a1 LOGIN {3} [redacted]"),
        ("C: PASS two words", "C: PASS [redacted]"),
        ("Authorization: Bearer ya29.a0-x_y", "Authorization: Bearer [redacted]"),
        # A SASL payload on its own line (after a 334 / + prompt) is recognised by its content.
        (f"C: {b64(chr(0) + 'bob' + chr(0) + 'pw')}", "C: [redacted]"),
        (f"C: {b64('user=bob' + chr(1) + 'auth=Bearer tok' + chr(1) + chr(1))}", "C: [redacted]"),
    ],
)
def test_credential_shapes_are_masked_without_registration(line: str, expected: str) -> None:
    assert redact(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "S: 250-AUTH PLAIN LOGIN XOAUTH2",
        "S: 250 AUTH LOGIN PLAIN CRAM-MD5",
        "S: * CAPABILITY IMAP4rev1 AUTH=PLAIN LOGINDISABLED",
        "S: 334 VXNlcm5hbWU6",
        "C: a1 AUTHENTICATE PLAIN",
        "login failed for alice, will pass it on",
        "synced 1234 messages in INBOX",
        # Upper-case IMAP words that are valid base64 with one NUL inside ("MESSAGES").
        'C: A2 LIST "" "*" RETURN (STATUS (MESSAGES UIDNEXT UIDVALIDITY UNSEEN))',
    ],
)
def test_ordinary_lines_are_left_alone(line: str) -> None:
    assert redact(line) == line


def test_every_form_of_a_registered_secret_is_masked() -> None:
    register_secret('p"a\\ss', username="bob")
    for form in (
        'p"a\\ss',
        b64('p"a\\ss'),
        '"p\\"a\\\\ss"',  # inside an IMAP quoted string
        repr(b'p"a\\ss')[2:-1],
        b64('\0bob\0p"a\\ss'),
    ):
        assert form not in redact(f"x {form} y"), form


def test_captured_records_are_redacted_for_every_handler(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    setup_logging(tmp_path, level=logging.DEBUG)
    register_secret("caught-pw")
    with caplog.at_level(logging.DEBUG):
        log.debug("value %s", "caught-pw")
    assert [r.getMessage() for r in caplog.records] == [f"value {MASK}"]
    assert "caught-pw" not in caplog.text


def test_a_broken_format_string_loses_no_record_and_leaks_no_argument(tmp_path: Path) -> None:
    path = setup_logging(tmp_path)
    log.warning("two %s %s", "only-one-argument-secret")
    text = path.read_text(encoding="utf-8")
    assert "two %s %s" in text and "only-one-argument-secret" not in text


def test_file_rotates_and_keeps_a_bounded_number_of_backups(tmp_path: Path) -> None:
    path = setup_logging(tmp_path, max_bytes=1000, backup_count=2)
    for n in range(200):
        log.info("line %d %s", n, "x" * 50)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["kittiwake.log", "kittiwake.log.1", "kittiwake.log.2"]
    assert path.stat().st_size <= 1000
    assert "line 199" in path.read_text(encoding="utf-8")


def test_log_file_is_private_and_setup_is_idempotent(tmp_path: Path) -> None:
    path = setup_logging(tmp_path)
    setup_logging(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ours = [h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]
    assert len([h for h in ours if Path(h.baseFilename) == path]) == 1
    log.info("once")
    assert path.read_text(encoding="utf-8").count("once") == 1


def test_protocol_transcripts_only_with_debug_protocol(tmp_path: Path) -> None:
    path = setup_logging(tmp_path, level=logging.DEBUG)
    logging.getLogger(logs.PROTOCOL_LOGGER).debug("C: a1 NOOP")
    logging.getLogger("aioimaplib").debug("raw data")
    assert "NOOP" not in path.read_text(encoding="utf-8")
    setup_logging(tmp_path, level=logging.DEBUG, debug_protocol=True)
    logging.getLogger(logs.PROTOCOL_LOGGER).debug("C: a1 NOOP")
    assert "C: a1 NOOP" in path.read_text(encoding="utf-8")


def test_the_sandbox_restores_plain_logging() -> None:
    with logging_sandbox():
        logs.install_redaction()
        register_secret("temporary")
    assert redact("temporary") == "temporary"
    record = logging.getLogRecordFactory()("n", logging.INFO, "f", 1, "temporary %s", ("x",), None)
    assert record.args == ("x",)
