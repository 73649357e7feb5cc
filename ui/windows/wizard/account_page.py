"""Page 1: the user's name, address and password, or the manual path.

Discovery starts as soon as the address looks complete (the wizard listens to
`sig_address_ready`), so it usually has an answer while the password is still being typed.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QWizardPage

from kittiwake.ui.labels import plain_label

_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")


def looks_like_address(text: str) -> bool:
    return _ADDRESS.fullmatch(text.strip()) is not None


class AccountPage(QWizardPage):
    sig_address_ready = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Set up your mail account"))
        self.setSubTitle(self.tr("Kittiwake looks up your provider's settings while you type."))
        self.setAccessibleName(self.tr("Account details"))
        layout = QFormLayout(self)

        self.name = QLineEdit()
        self.name.setAccessibleName(self.tr("Your name"))
        self.name.setPlaceholderText(self.tr("Jane Doe"))
        layout.addRow(self.tr("Your &name:"), self.name)

        self.address = QLineEdit()
        self.address.setAccessibleName(self.tr("E-mail address"))
        self.address.setPlaceholderText(self.tr("jane@example.org"))
        layout.addRow(self.tr("&E-mail address:"), self.address)

        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        layout.addRow(self.tr("&Password:"), self.password)

        self.manual = QCheckBox(self.tr("Enter the server settings &manually"))
        self.manual.setAccessibleName(self.tr("Enter the server settings manually"))
        layout.addRow("", self.manual)

        self.hint = plain_label(name=self.tr("Account details hint"))
        layout.addRow("", self.hint)

        self.address.editingFinished.connect(self._address_finished)
        self.address.textChanged.connect(self._address_changed)
        self.password.textChanged.connect(self.completeChanged)
        self.name.textChanged.connect(self.completeChanged)

    def _address_changed(self) -> None:
        text = self.address.text().strip()
        self.hint.setText(
            "" if not text or looks_like_address(text) else self.tr("That is not an address yet.")
        )
        self.completeChanged.emit()

    def _address_finished(self) -> None:
        if looks_like_address(self.address.text()) and not self.manual.isChecked():
            self.sig_address_ready.emit(self.address.text().strip())

    def isComplete(self) -> bool:
        return looks_like_address(self.address.text()) and bool(self.password.text())

    def validatePage(self) -> bool:
        # Leaving the page counts as "the address is final" (editingFinished may not have fired).
        self._address_finished()
        return True
