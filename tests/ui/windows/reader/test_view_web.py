"""The web body: remote content, the interceptor, cid: images, JavaScript, links, PDF.

Each test starts a QtWebEngine page (about a second), so they are few and each checks
several things on one load.

They run in their own pytest process (test_web_process.py starts it with
KITTIWAKE_WEB_CHILD=1): once QtWebEngine has run, QtWebEngine shuts itself down when
QApplication.exec() returns (aboutToQuit), and the next exec() crashes. qasync calls exec()
for every run_until_complete, so a qasync test after a web test in the same process would
segfault. Run directly with `KITTIWAKE_WEB_CHILD=1 pytest tests/ui/windows/reader/test_view_web.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWebEngineCore import QWebEngineScript, QWebEngineSettings
from pytestqt.qtbot import QtBot

from kittiwake.client.settings import Settings, SettingsFile
from kittiwake.ui.windows.reader import MessageView, ReaderHooks, web_engine_available
from tests.ui.windows.reader.loopback import CountingServer
from tests.ui.windows.reader.messages import html_message

WEB_CHILD_ENV = "KITTIWAKE_WEB_CHILD"
pytestmark = [
    pytest.mark.skipif(
        not web_engine_available(),
        reason="QtWebEngine is not available: the reader shows text only",
    ),
    pytest.mark.skipif(
        os.environ.get(WEB_CHILD_ENV) != "1",
        reason="runs in its own process, started by test_web_process.py",
    ),
]

TIMEOUT_MS = 20_000


class Recorder:
    def __init__(self, confirm: bool = True) -> None:
        self.opened: list[str] = []
        self.asked: list[tuple[str, str]] = []
        self.confirm = confirm

    def hooks(self) -> ReaderHooks:
        def open_url(url: QUrl) -> bool:
            self.opened.append(url.toString())
            return True

        def confirm(_parent: object, text: str, target: str) -> bool:
            self.asked.append((text, target))
            return self.confirm

        return ReaderHooks(open_url=open_url, confirm_link=confirm)


def make_view(qtbot: QtBot, recorder: Recorder | None = None) -> MessageView:
    view = MessageView(hooks=(recorder or Recorder()).hooks())
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    assert view.web is not None, "QtWebEngine should have started"
    return view


def page_html(qtbot: QtBot, view: MessageView) -> str:
    assert view.web is not None
    found: list[str] = []
    view.web.page().toHtml(found.append)
    qtbot.waitUntil(lambda: bool(found), timeout=TIMEOUT_MS)
    return found[0]


def test_remote_images_load_only_after_the_user_allows_them(qtbot: QtBot) -> None:
    with CountingServer() as server:
        raw = html_message(
            f'<p>News</p><img src="{server.url("/pixel.png")}">'
            f'<div style="background: url({server.url("/bg.png")})">x</div>'
        )
        view = make_view(qtbot)
        allowed: list[str] = []
        view.sig_allow_sender.connect(allowed.append)
        with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
            view.set_message(raw)
        assert view.remote_bar.isVisible()
        assert view.remote_bar.load_button.isVisible()
        assert "pixel.png" not in page_html(qtbot, view)  # the sanitiser dropped it
        assert server.paths == []  # nothing reached the tracker

        with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
            view.remote_bar.always_button.click()
        assert allowed == ["alice@example.org"]
        qtbot.waitUntil(lambda: "/pixel.png" in server.paths, timeout=TIMEOUT_MS)
        assert not view.remote_bar.isVisible()


def test_allowing_one_message_or_a_trusted_sender_loads_remote_images(qtbot: QtBot) -> None:
    with CountingServer() as server:
        view = make_view(qtbot)
        allowed: list[str] = []
        view.sig_allow_sender.connect(allowed.append)
        with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
            view.set_message(html_message(f'<img src="{server.url("/once.png")}">'))
        assert server.paths == []
        with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
            view.remote_bar.load_button.click()
        qtbot.waitUntil(lambda: "/once.png" in server.paths, timeout=TIMEOUT_MS)
        assert allowed == []  # this message only: nothing for settings to remember

        # The next message starts blocked again; a sender the user trusts loads at once.
        with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
            view.set_message(html_message(f'<img src="{server.url("/next.png")}">'))
        assert "/next.png" not in server.paths and view.remote_bar.isVisible()
        with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
            view.set_message(
                html_message(f'<img src="{server.url("/trusted.png")}">'),
                sender_allowed_remote=True,
            )
        qtbot.waitUntil(lambda: "/trusted.png" in server.paths, timeout=TIMEOUT_MS)
        assert not view.remote_bar.isVisible()
        assert "/next.png" not in server.paths


def test_the_preferences_allow_one_sender_without_asking(qtbot: QtBot, tmp_path: Path) -> None:
    file = SettingsFile(tmp_path / "settings.toml")
    file.save(Settings(allowed_senders=("alice@example.org",)))
    with CountingServer() as server:
        view = MessageView(hooks=Recorder().hooks(), settings_file=file)
        qtbot.addWidget(view)
        view.show()
        other = html_message(f'<img src="{server.url("/mallory.png")}">').replace(
            b"Alice Example <alice@example.org>", b"Mallory <mallory@example.net>"
        )
        with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
            view.set_message(other)
        assert view.remote_bar.isVisible()
        assert server.paths == []  # another sender: blocked
        with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
            view.set_message(html_message(f'<img src="{server.url("/alice.png")}">'))
        qtbot.waitUntil(lambda: "/alice.png" in server.paths, timeout=TIMEOUT_MS)
        assert not view.remote_bar.isVisible()  # nobody was asked
        assert "/mallory.png" not in server.paths


def test_remote_content_never_loads_in_junk(qtbot: QtBot) -> None:
    with CountingServer() as server:
        raw = html_message(f'<p>Win!</p><img src="{server.url("/junk.png")}">')
        view = make_view(qtbot)
        with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
            view.set_message(raw, sender_allowed_remote=True, in_junk=True)
        assert view.remote_bar.isVisible()
        assert not view.remote_bar.load_button.isVisible()
        view.allow_remote(always=True)  # even if asked programmatically
        assert not view.remote_allowed
        assert "junk.png" not in page_html(qtbot, view)
        assert server.paths == []


def test_the_interceptor_blocks_every_network_request_on_its_own(qtbot: QtBot) -> None:
    """No sanitiser, no CSP: the interceptor alone must stop every scheme."""
    with CountingServer() as server:
        view = make_view(qtbot)
        targets = [
            server.url("/img.png"),
            server.url("/style.css"),
            server.url("/frame.html"),
            f"https://127.0.0.1:{server.port}/tls.png",
            f"ftp://127.0.0.1:{server.port}/ftp.png",
        ]
        html = (
            f'<img src="{targets[0]}"><link rel="stylesheet" href="{targets[1]}">'
            f'<iframe src="{targets[2]}"></iframe><img src="{targets[3]}">'
            f'<img src="{targets[4]}">'
        )
        assert view.interceptor is not None
        with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
            view.load_html(html, allow_remote=False, csp=False)
        expected = ("/img.png", "/style.css", "/tls.png", "/ftp.png")
        qtbot.waitUntil(
            lambda: all(p in " ".join(view.interceptor.blocked) for p in expected),
            timeout=TIMEOUT_MS,
        )
        # The frame never got as far as a request: the page refuses any navigation but its own.
        assert server.paths == []


def test_cid_images_come_from_the_message_and_javascript_is_off(qtbot: QtBot) -> None:
    raw = html_message(
        '<p>Logo: <img src="cid:logo@example.org" alt="logo"></p>'
        "<script>document.title = 'script ran'</script>",
        with_cid_image=True,
    )
    view = make_view(qtbot)
    with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
        view.set_message(raw)
    assert view.scheme_handler is not None and view.web is not None
    qtbot.waitUntil(
        lambda: "cid/logo%40example.org" in view.scheme_handler.current.served,
        timeout=TIMEOUT_MS,
    )
    html = page_html(qtbot, view)
    assert "kittiwake-message:" in html and "cid:logo" not in html.replace("/cid/", "")
    assert "<script" not in html  # the sanitiser removed it
    settings = view.web.page().settings()
    assert not settings.testAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled)
    assert not settings.testAttribute(QWebEngineSettings.WebAttribute.PluginsEnabled)
    assert not settings.testAttribute(
        QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls
    )

    # With the sanitiser and CSP out of the way, the page's own script still does not run.
    with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
        view.load_html(
            "<title>before</title><script>document.title = 'script ran'</script>",
            allow_remote=False,
            csp=False,
        )
    assert view.web.page().title() != "script ran"
    assert "script ran" not in page_html(qtbot, view).split("<body>")[0]


def _click_first_link(view: MessageView) -> None:
    assert view.web is not None
    # The application's own script world runs even with the page's JavaScript disabled.
    view.web.page().runJavaScript(
        "document.querySelector('a').click()", QWebEngineScript.ScriptWorldId.ApplicationWorld
    )


def test_a_misleading_link_asks_before_opening_and_links_never_load_inside(
    qtbot: QtBot,
) -> None:
    recorder = Recorder(confirm=False)
    view = make_view(qtbot, recorder)
    raw = html_message('<p><a href="http://evil.example/login">https://bank.example/</a></p>')
    with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
        view.set_message(raw)
    _click_first_link(view)
    qtbot.waitUntil(lambda: bool(recorder.asked), timeout=TIMEOUT_MS)
    assert recorder.asked == [("https://bank.example/", "http://evil.example/login")]
    assert recorder.opened == []  # the user said no

    recorder.confirm = True
    _click_first_link(view)
    qtbot.waitUntil(lambda: bool(recorder.opened), timeout=TIMEOUT_MS)
    assert recorder.opened == ["http://evil.example/login"]
    assert view.web is not None
    assert view.web.url().scheme() == "kittiwake-message"  # the page itself never navigated

    honest = Recorder()
    view.hooks = honest.hooks()
    with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
        view.set_message(html_message('<a href="https://example.org/a">the article</a>'))
    qtbot.waitUntil(lambda: "the article" in page_html(qtbot, view), timeout=TIMEOUT_MS)
    _click_first_link(view)
    qtbot.waitUntil(lambda: bool(honest.opened), timeout=TIMEOUT_MS)
    assert honest.asked == [] and honest.opened == ["https://example.org/a"]


def test_plain_text_toggle_and_print_to_pdf(qtbot: QtBot, tmp_path: Path) -> None:
    view = make_view(qtbot)
    with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
        view.set_message(html_message("<h1>Printed</h1><p>Some text.</p>"))
    assert view.web is not None and view.stack.currentWidget() is view.web
    view.plain_button.click()  # the text alternative, as plain text
    assert view.stack.currentWidget() is view.text_view
    assert "Printed" in view.text_view.toPlainText()
    with qtbot.waitSignal(view.sig_rendered, timeout=TIMEOUT_MS):
        view.plain_button.click()
    assert view.stack.currentWidget() is view.web

    target = tmp_path / "message.pdf"
    with qtbot.waitSignal(view.sig_pdf_finished, timeout=TIMEOUT_MS) as finished:
        view.print_to_pdf(str(target))
    assert finished.args == [str(target), True]
    assert target.read_bytes().startswith(b"%PDF-")
