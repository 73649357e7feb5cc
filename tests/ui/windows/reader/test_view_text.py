"""MessageView without the web engine: text bodies, attachments, source, PDF, fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from kittiwake.ui.windows.reader import MessageView, ReaderHooks
from tests.ui.windows.reader.messages import PNG, html_message, plain_message

PAYLOAD = bytes(range(256)) * 3


@pytest.fixture
def text_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITTIWAKE_NO_WEBENGINE", "1")


def make_view(qtbot: QtBot, hooks: ReaderHooks | None = None) -> MessageView:
    view = MessageView(hooks=hooks)
    qtbot.addWidget(view)
    return view


def test_plain_text_is_never_interpreted(qtbot: QtBot, text_only: None) -> None:
    view = make_view(qtbot)
    body = "<b>not bold</b> <a href='http://x'>no link</a>"
    with qtbot.waitSignal(view.sig_rendered):
        view.set_message(plain_message(body=body))
    assert view.web is None
    assert view.stack.currentWidget() is view.text_view
    assert isinstance(view.text_view, QPlainTextEdit)
    assert view.text_view.toPlainText().strip() == body


def test_html_falls_back_to_its_text_without_the_web_engine(qtbot: QtBot, text_only: None) -> None:
    view = make_view(qtbot)
    view.set_message(html_message("<p>Hello <b>world</b></p>"))
    assert "Hello world" in view.text_view.toPlainText()
    assert not view.plain_button.isEnabled()


def test_save_one_and_save_all_write_the_decoded_bytes(
    qtbot: QtBot, text_only: None, tmp_path: Path
) -> None:
    target = tmp_path / "chosen.bin"
    hooks = ReaderHooks(
        save_path=lambda _parent, suggested: str(target) if suggested == "data.bin" else None,
        save_directory=lambda _parent: str(tmp_path),
    )
    view = make_view(qtbot, hooks)
    view.set_message(html_message("<p>See attached</p>", attachment=PAYLOAD))
    assert view.message is not None
    attachment = next(a for a in view.message.attachments if a.filename == "data.bin")
    assert not view.attachments_bar.isHidden()
    assert view.save_attachment(attachment) == target
    assert target.read_bytes() == PAYLOAD

    (tmp_path / "data.bin").write_bytes(b"already here")
    written = view.save_all_attachments()
    assert [p.name for p in written] == ["data (2).bin"]  # never overwrites
    assert (tmp_path / "data (2).bin").read_bytes() == PAYLOAD
    assert (tmp_path / "data.bin").read_bytes() == b"already here"


def test_open_attachment_hands_a_private_copy_to_the_desktop(qtbot: QtBot, text_only: None) -> None:
    opened: list[QUrl] = []
    view = make_view(qtbot, ReaderHooks(open_url=lambda url: opened.append(url) or True))
    view.set_message(html_message("<p>x</p>", attachment=PAYLOAD))
    assert view.message is not None
    view.open_attachment(view.message.attachments[0])
    path = Path(opened[0].toLocalFile())
    assert path.read_bytes() == PAYLOAD
    assert path.parent.stat().st_mode & 0o077 == 0  # only this user


def test_a_program_is_saved_never_launched(qtbot: QtBot, text_only: None, tmp_path: Path) -> None:
    opened: list[QUrl] = []
    target = tmp_path / "saved"
    hooks = ReaderHooks(
        open_url=lambda url: opened.append(url) or True,
        save_path=lambda _parent, _suggested: str(target),
    )
    view = make_view(qtbot, hooks)
    raw = html_message("<p>x</p>", attachment=PAYLOAD).replace(b"data.bin", b"invoice.pdf.exe")
    view.set_message(raw)
    assert view.message is not None
    view.open_attachment(view.message.attachments[0])
    assert opened == []
    assert target.read_bytes() == PAYLOAD


def test_unreferenced_inline_image_is_listed_as_an_attachment(
    qtbot: QtBot, text_only: None
) -> None:
    view = make_view(qtbot)
    view.set_message(html_message("<p>no image shown</p>", with_cid_image=True))
    assert view.message is not None
    sizes = [a.size for a in view.message.attachments]
    assert len(PNG) in sizes


def test_view_source_shows_the_raw_message_as_text(qtbot: QtBot, text_only: None) -> None:
    view = make_view(qtbot)
    raw = plain_message(subject="<b>x</b>")
    view.set_message(raw)
    dialog = view.show_source()
    qtbot.addWidget(dialog)
    editor = dialog.findChild(QPlainTextEdit)
    assert editor is not None and editor.isReadOnly()
    assert editor.toPlainText().replace("\n", "\r\n").strip() == raw.decode().strip()


def test_text_print_to_pdf(qtbot: QtBot, text_only: None, tmp_path: Path) -> None:
    view = make_view(qtbot)
    view.set_message(plain_message())
    target = tmp_path / "m.pdf"
    with qtbot.waitSignal(view.sig_pdf_finished) as finished:
        view.print_to_pdf(str(target))
    assert finished.args == [str(target), True]
    assert target.read_bytes().startswith(b"%PDF-")


def test_links_other_than_web_links_are_never_opened(qtbot: QtBot, text_only: None) -> None:
    opened: list[str] = []
    mailto: list[str] = []
    view = make_view(qtbot, ReaderHooks(open_url=lambda url: opened.append(url.toString()) or True))
    view.sig_mailto.connect(mailto.append)
    view.set_message(plain_message())
    for url in ("file:///etc/passwd", "javascript:alert(1)", "kittiwake-message:x/body"):
        view.open_link(QUrl(url))
    view.open_link(QUrl("mailto:bob@example.net"))
    assert opened == []
    assert mailto == ["mailto:bob@example.net"]
