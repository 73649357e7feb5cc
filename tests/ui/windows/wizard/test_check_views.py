"""The verification log: a certificate fingerprint stays readable (its own indented rows, cut at
pair boundaries), however narrow the log is."""

from __future__ import annotations

import hashlib

from PySide6.QtGui import QTextBlock
from pytestqt.qtbot import QtBot

from kittiwake.client.autoconfig.candidates import Protocol
from kittiwake.client.autoconfig.verify import ServerCheck
from kittiwake.client.net.errors import CertificateInfo, CertificatePinMismatch
from kittiwake.client.smtp.steps import Step, StepResult
from kittiwake.ui.windows.wizard.check_views import (
    FINGERPRINT_INDENT,
    StepLogView,
    fingerprint_rows,
    set_fingerprints_apart,
)


def sha(seed: bytes) -> str:
    digest = hashlib.sha256(seed).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, 64, 2))


OLD, NEW = sha(b"old"), sha(b"new")


def certificate(fingerprint: str) -> CertificateInfo:
    return CertificateInfo("CN=mail.example.test", "CN=Test CA", "2026", "2027", fingerprint)


def test_rows_of_eight_pairs_cut_between_pairs() -> None:
    rows = fingerprint_rows(OLD)
    assert len(rows) == 4 and all(len(r) == 23 and r.count(":") == 7 for r in rows)
    assert ":".join(rows) == OLD


def test_a_line_with_a_fingerprint_gets_it_on_indented_rows() -> None:
    line = f"  \u2713 Check the certificate: accepted by you: {OLD}"
    assert set_fingerprints_apart(line) == [
        "  \u2713 Check the certificate: accepted by you (SHA-256):",
        *(FINGERPRINT_INDENT + row for row in fingerprint_rows(OLD)),
    ]
    assert set_fingerprints_apart("  \u2713 Connect: 127.0.0.1 port 993") == [
        "  \u2713 Connect: 127.0.0.1 port 993"
    ]


def test_two_fingerprints_in_one_message_each_get_their_rows() -> None:
    line = f"  \u2717 Check: you accepted {OLD}, the server now shows {NEW}."
    rows = set_fingerprints_apart(line)
    assert rows[0] == "  \u2717 Check: you accepted (SHA-256):"
    assert rows[5] == "      the server now shows (SHA-256):"
    assert ":".join(r.strip() for r in rows[1:5]) == OLD
    assert ":".join(r.strip() for r in rows[6:10]) == NEW
    assert len(rows) == 10  # the closing "." needs no line of its own


def fingerprint_blocks(view: StepLogView) -> list[QTextBlock]:
    document = view.document()
    block, found = document.begin(), []
    while block.isValid():
        if block.text().strip().count(":") == 7 and "(" not in block.text():
            found.append(block)
        block = block.next()
    return found


def test_in_a_narrow_log_no_fingerprint_row_wraps(qtbot: QtBot) -> None:
    view = StepLogView()
    qtbot.addWidget(view)
    view.resize(300, 400)  # narrower than the wizard ever is
    view.show()
    trusted = ServerCheck(
        Protocol.IMAP,
        "mail.example.test:993",
        (
            StepResult(Step.CONNECT, True, "127.0.0.1 port 993"),
            StepResult(Step.TLS, True, "TLSv1.3"),
            StepResult(Step.CERTIFICATE, True, f"accepted by you: {OLD}"),
        ),
        None,
        certificate(OLD),
    )
    changed = CertificatePinMismatch(pinned=OLD, certificate=certificate(NEW), host="mail")
    refused = ServerCheck(
        Protocol.SMTP,
        "mail.example.test:465",
        (StepResult(Step.CERTIFICATE, False, changed.message, changed),),
        changed,
        certificate(NEW),
    )
    view.show_checks([("Incoming", trusted), ("Outgoing", refused)])
    text = view.toPlainText()
    assert OLD not in text and NEW not in text  # never one long run the view would break
    blocks = fingerprint_blocks(view)
    assert len(blocks) == 12  # 4 rows each: the accepted one, then the old and new pins
    assert ":".join(b.text().strip() for b in blocks[:4]) == OLD
    assert ":".join(b.text().strip() for b in blocks[8:]) == NEW
    for block in blocks:
        assert block.text().startswith(FINGERPRINT_INDENT)
        assert block.layout().lineCount() == 1, block.text()  # whole, indented, unwrapped
