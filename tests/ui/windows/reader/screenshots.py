"""A screenshot of the message view on an HTML message (cid: logo, blocked remote image,
an attachment, authentication results from "our" server).

    xvfb-run -a env QT_QPA_PLATFORM=xcb .venv/bin/python -m tests.ui.windows.reader.screenshots

Writes docs/screenshots/message-view.png (or OUT_DIR/message-view.png). Not a test. Under
QT_QPA_PLATFORM=offscreen, grab() may miss the web content, hence Xvfb.
"""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path

os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")

LETTER = """\
<table width="100%" cellpadding="0" cellspacing="0" style="background:#f4f6f8">
<tr><td style="padding:16px">
<table width="560" align="center" cellpadding="0" cellspacing="0"
       style="background:#ffffff; border:1px solid #dde3ea">
<tr><td style="padding:18px 24px; background:#1f4e79; color:#ffffff">
  <img src="cid:logo@harbour.example" width="48" height="48" alt="logo"
       style="vertical-align:middle">
  <span style="font-size:22px; font-weight:bold; vertical-align:middle">
    Harbour Rowing Club</span></td></tr>
<tr><td style="padding:20px 24px; color:#222222">
  <h2 style="margin-top:0">Spring regatta: crews announced</h2>
  <p>Dear members,</p>
  <p>The crews for the spring regatta are now listed. Training starts on
  <b>Saturday at 07:30</b> at the boathouse; please bring your own water bottle.</p>
  <img src="https://tracker.example/open.gif?id=4711" width="1" height="1" alt="">
  <p>The full timetable is attached as a PDF. Questions go to the
  <a href="https://harbour.example/regatta">regatta page</a>.</p>
  <blockquote>Rowing is the only sport where you cross the finish line backwards.</blockquote>
  <p>See you on the water,<br>Marta, captain</p>
</td></tr></table></td></tr></table>
"""


def logo_png() -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QColor, QImage, QPainter

    image = QImage(96, 96, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#f2c14e"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(4, 4, 88, 88)
    painter.setBrush(QColor("#ffffff"))
    painter.drawRect(20, 44, 56, 8)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def message(logo: bytes) -> bytes:
    pdf = b"%PDF-1.4\n% a stand-in timetable\n" + b"0" * 20000
    return (
        "Authentication-Results: mx.harbour.example; spf=pass smtp.mailfrom=harbour.example;"
        " dkim=pass header.d=harbour.example; dmarc=pass header.from=harbour.example\r\n"
        'From: "Marta Lindqvist" <captain@harbour.example>\r\n'
        "To: Alice Liddell <alice@example.org>\r\nCc: crews@harbour.example\r\n"
        "Subject: Spring regatta: crews announced\r\n"
        "Date: Sat, 28 Nov 2026 09:12:00 +0100\r\nMessage-ID: <regatta@harbour.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="M"\r\n\r\n'
        '--M\r\nContent-Type: multipart/related; boundary="R"\r\n\r\n'
        "--R\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f"{LETTER}\r\n"
        "--R\r\nContent-Type: image/png\r\nContent-ID: <logo@harbour.example>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.encodebytes(logo).decode()}\r\n--R--\r\n"
        "--M\r\nContent-Type: application/pdf\r\n"
        'Content-Disposition: attachment; filename="regatta-timetable.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.encodebytes(pdf).decode()}\r\n--M--\r\n"
    ).encode()


def main(out_dir: Path) -> None:
    from kittiwake.ui.windows.reader.schemes import register_schemes

    register_schemes()
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from kittiwake.ui.windows.reader import ReaderWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    out_dir.mkdir(parents=True, exist_ok=True)
    window = ReaderWindow()
    window.resize(900, 820)
    window.show()
    view = window.view
    loop = QEventLoop()
    view.sig_rendered.connect(loop.quit)
    view.set_message(message(logo_png()), authserv_id="mx.harbour.example")
    window.setWindowTitle(view.header.subject.text())
    QTimer.singleShot(20000, loop.quit)
    loop.exec()
    # Let the compositor paint the loaded page once more before grabbing.
    settle = QEventLoop()
    QTimer.singleShot(500, settle.quit)
    settle.exec()
    window.grab().save(str(out_dir / "message-view.png"))
    window.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
