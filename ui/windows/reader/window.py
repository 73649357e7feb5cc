"""ReaderWindow: one .eml file in its own window (`kittiwake FILE.eml`), with "Save as .eml"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QWidget

from kittiwake.ui.windows.reader.hooks import ReaderHooks
from kittiwake.ui.windows.reader.view import MessageView

# A message file bigger than this is refused rather than read into memory whole.
MAX_FILE_BYTES = 256 * 1024 * 1024


class ReaderWindow(QMainWindow):
    def __init__(
        self,
        path: Path | None = None,
        parent: QWidget | None = None,
        *,
        hooks: ReaderHooks | None = None,
    ) -> None:
        super().__init__(parent)
        self.hooks = hooks or ReaderHooks()
        self.view = MessageView(self, hooks=self.hooks)
        self.setCentralWidget(self.view)
        self.setAccessibleName(self.tr("Message window"))
        self.setWindowTitle(self.tr("Message"))
        self.path: Path | None = None
        menu = self.menuBar().addMenu(self.tr("&File"))
        menu.addAction(self.tr("&Open…"), QKeySequence.StandardKey.Open, self._ask_open)
        self.save_action = menu.addAction(
            self.tr("&Save as .eml…"), QKeySequence.StandardKey.SaveAs, self._ask_save
        )
        menu.addAction(self.tr("Save as &PDF…"), self.view._ask_pdf)
        menu.addSeparator()
        menu.addAction(self.tr("&Close"), QKeySequence.StandardKey.Close, self.close)
        self.save_action.setEnabled(False)
        self.resize(900, 760)
        if path is not None:
            self.open_file(path)

    def open_file(self, path: Path) -> bool:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise OSError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
            raw = path.read_bytes()
        except OSError as error:
            QMessageBox.warning(
                self, self.tr("Cannot open the message"), f"{path}:\n{error.strerror or error}"
            )
            return False
        self.path = path
        self.view.set_message(raw)
        subject = self.view.message.headers.subject if self.view.message else ""
        # The title is plain text for Qt; a subject's markup stays literal.
        self.setWindowTitle(subject or path.name)
        self.save_action.setEnabled(True)
        return True

    def save_eml(self, target: Path) -> None:
        """The original bytes, unchanged: a saved message is the message."""
        target.write_bytes(self.view.raw)

    def _ask_open(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open message"), "", self.tr("Messages (*.eml);;All files (*)")
        )
        if chosen:
            self.open_file(Path(chosen))

    def _ask_save(self) -> None:
        suggested = self.path.name if self.path else "message.eml"
        chosen = self.hooks.save_path(self, suggested)
        if chosen:
            self.save_eml(Path(chosen))
