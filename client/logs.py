"""Logging: a rotating file in the log directory, and redaction every record passes through.

Any module that handles a secret calls `register_secret` (secrets.py does it for every password
it reads, stores or is given), and from then on that secret, its base64 and its escaped forms
never reach a log. Independently of registration, known credential shapes are masked: AUTH /
AUTHENTICATE initial responses, IMAP `LOGIN user "pass"`, POP3 `PASS x`, Bearer tokens, and any
base64 word that decodes to a SASL PLAIN or XOAUTH2 payload. Protocol transcripts
(`--debug-protocol`, logger "kittiwake.protocol") rely on this.

Redaction happens when a record is created (a record factory), so it covers every handler:
the file, a console, pytest's capture. The file handler also carries the filter, in case some
code replaced the factory after us.
"""

from __future__ import annotations

import base64
import binascii
import logging
import logging.handlers
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kittiwake.client.paths import LOG_FILE

MASK = "[redacted]"
PROTOCOL_LOGGER = "kittiwake.protocol"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5

_MECHANISMS = (
    r"(?:PLAIN|LOGIN|XOAUTH2|OAUTHBEARER|CRAM-MD5|SCRAM-[A-Z0-9-]+|GSSAPI|NTLM|EXTERNAL|ANONYMOUS)"
)
_NOT_A_MECHANISM = rf"(?!{_MECHANISMS}\b)"
_QUOTED_OR_ATOM = r'(?:"(?:[^"\\]|\\.)*"|\{\d+\+?\}|[^\s"]+)'
# (a word that must appear, lower-cased; the pattern; its replacement). The word check is a
# cheap gate: most log lines contain none of them and skip the regular expressions, which are
# compiled (by re's cache) only when a line first needs them: compiling all of them was ~5 ms
# of every `kittiwake` command's start.
_PATTERNS: tuple[tuple[str, str, str], ...] = (
    # SMTP `AUTH PLAIN <b64>`, IMAP `a1 AUTHENTICATE XOAUTH2 <b64>` (SASL-IR), POP3 `AUTH ...`.
    (
        "auth",
        rf"(?i)\b(AUTH(?:ENTICATE)?\s+{_MECHANISMS})(\s+){_NOT_A_MECHANISM}[^\s'\"]+",
        rf"\1\2{MASK}",
    ),
    # IMAP `a1 LOGIN user "pass"` (the user stays: it helps debugging and is not a secret).
    # Upper case only, as clients send it, so that prose ("login failed for x") survives.
    (
        "login",
        rf"\b(LOGIN\s+){_NOT_A_MECHANISM}({_QUOTED_OR_ATOM})(\s+){_NOT_A_MECHANISM}"
        rf"{_QUOTED_OR_ATOM}",
        rf"\1\2\3{MASK}",
    ),
    # POP3 `PASS secret`: to the end of the line, since a password may contain spaces.
    ("pass", r"\b(PASS\s+)[^\r\n]+", rf"\1{MASK}"),
    ("bearer", r"(?i)\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*", rf"\1{MASK}"),
)
# A base64 word long enough to hold "\0u\0p" or an XOAUTH2 payload.
_BASE64_WORD = r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{8,}={0,2}(?![A-Za-z0-9+/=])"

_lock = threading.Lock()
_secrets: frozenset[str] = frozenset()
_secrets_longest_first: tuple[str, ...] = ()


def _variants(secret: str) -> set[str]:
    raw = secret.encode("utf-8")
    return {
        secret,
        base64.b64encode(raw).decode("ascii"),
        # How it looks inside an IMAP quoted string, and inside repr(bytes) of a transcript.
        secret.replace("\\", "\\\\").replace('"', '\\"'),
        repr(raw)[2:-1],
        repr(secret)[1:-1],
    }


def register_secret(secret: str, *, username: str | None = None) -> None:
    """Never log `secret` (nor, given the user name, the SASL payloads built from it)."""
    if not secret:
        return
    forms = _variants(secret)
    if username is not None:
        for payload in (
            f"\0{username}\0{secret}",
            f"{username}\0{username}\0{secret}",
            f"user={username}\x01auth=Bearer {secret}\x01\x01",
        ):
            forms.add(base64.b64encode(payload.encode("utf-8")).decode("ascii"))
    global _secrets, _secrets_longest_first
    with _lock:
        _secrets = _secrets | {form for form in forms if form}
        _secrets_longest_first = tuple(sorted(_secrets, key=len, reverse=True))


def forget_secrets() -> None:
    """Drop every registered secret (tests; a real session keeps them until it ends)."""
    global _secrets, _secrets_longest_first
    with _lock:
        _secrets = frozenset()
        _secrets_longest_first = ()


def _is_credential_payload(word: str) -> bool:
    try:
        decoded = base64.b64decode(word, validate=True)
    except (binascii.Error, ValueError):
        return False
    # SASL PLAIN is "authzid NUL authcid NUL password": two NULs. One is common by chance in
    # an upper-case IMAP word that happens to be valid base64 ("MESSAGES" decodes to one).
    return decoded.count(b"\0") >= 2 or b"auth=Bearer" in decoded or b"auth=bearer" in decoded


def redact(text: str) -> str:
    for secret in _secrets_longest_first:
        if secret in text:
            text = text.replace(secret, MASK)
    lowered = text.lower()
    for keyword, pattern, replacement in _PATTERNS:
        if keyword in lowered:
            text = re.sub(pattern, replacement, text)
    return re.sub(
        _BASE64_WORD, lambda m: MASK if _is_credential_payload(m.group(0)) else m.group(0), text
    )


_exception_formatter = logging.Formatter()


def redact_record(record: logging.LogRecord) -> None:
    """Rewrite a record in place so that every later formatter sees only redacted text."""
    if getattr(record, "_kittiwake_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad format string must not lose the record, nor leak its args
        message = str(record.msg)
    record.msg = redact(message)
    record.args = None
    if record.exc_info:
        if not record.exc_text:
            record.exc_text = _exception_formatter.formatException(record.exc_info)
        # Formatters re-render exc_info when exc_text is empty: drop the raw exception.
        record.exc_info = None
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._kittiwake_redacted = True


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_installed_factory: Callable[..., logging.LogRecord] | None = None
_previous_factory: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()


def install_redaction() -> None:
    """Redact every record at creation, whatever handler later sees it. Idempotent."""
    global _installed_factory, _previous_factory
    current = logging.getLogRecordFactory()
    if current is _installed_factory:
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        redact_record(record)
        return record

    _previous_factory = current
    _installed_factory = factory
    logging.setLogRecordFactory(factory)


def uninstall_redaction() -> None:
    """Undo install_redaction if ours is still the factory in place (tests)."""
    global _installed_factory
    if _installed_factory is not None and logging.getLogRecordFactory() is _installed_factory:
        logging.setLogRecordFactory(_previous_factory)
    _installed_factory = None


class _KittiwakeFileHandler(logging.handlers.RotatingFileHandler):
    """Marks the handler setup_logging owns, so a second call replaces it instead of adding."""


def setup_logging(
    log_dir: Path,
    *,
    level: int = logging.INFO,
    debug_protocol: bool = False,
    max_bytes: int = MAX_BYTES,
    backup_count: int = BACKUP_COUNT,
) -> Path:
    """Log to `log_dir`/kittiwake.log (rotated); returns the file's path."""
    install_redaction()
    log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    if not path.exists():
        # Private from the start: logs name servers, folders and addresses.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    handler = _KittiwakeFileHandler(
        path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _KittiwakeFileHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(min(level, root.level) if root.level else level)
    handler.setLevel(level)
    # Transcripts (ours and aioimaplib's raw data dumps) only when asked: they are costly, and
    # the less secret-shaped text is logged the less redaction has to be right.
    transcript_level = logging.DEBUG if debug_protocol else logging.WARNING
    for name in (PROTOCOL_LOGGER, "aioimaplib", "aiosmtplib"):
        logging.getLogger(name).setLevel(transcript_level)
    return path


def close_logging() -> None:
    """Detach and close the file handler (tests; the CLI at exit)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _KittiwakeFileHandler)]:
        root.removeHandler(old)
        old.close()
