"""The preference pages: reading (remote content), offline and sync, composing, general.

Each page shows a `Settings` and gives back the edited one (`apply(settings)`); nothing is
saved here, the dialog writes the file once.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kittiwake.client.mime.addresses import is_valid_address
from kittiwake.client.settings import (
    MAX_CHECK_MINUTES,
    MAX_DOWNLOAD_DAYS,
    MAX_UNDO_SECONDS,
    MIN_CHECK_MINUTES,
    DownloadPolicy,
    RemoteContent,
    Settings,
)


class ReadingPage(QWidget):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.block = QCheckBox(self.tr("Block remote content (images, fonts) in messages"))
        self.block.setChecked(settings.remote_content is RemoteContent.BLOCK)
        self.senders = QListWidget(self)
        self.senders.setAccessibleName(self.tr("Senders allowed to show remote content"))
        self.senders.addItems(list(settings.allowed_senders))  # plain text items
        self.new_sender = QLineEdit(self)
        self.new_sender.setPlaceholderText(self.tr("name@example.org"))
        self.new_sender.setAccessibleName(self.tr("Sender to allow"))
        add = QPushButton(self.tr("Allow"), self)
        add.clicked.connect(self.add_sender)
        self.remove = QPushButton(self.tr("Remove"), self)
        self.remove.clicked.connect(self.remove_selected)
        self.remove.setEnabled(False)
        self.senders.itemSelectionChanged.connect(
            lambda: self.remove.setEnabled(bool(self.senders.selectedItems()))
        )
        self.error = QLabel(self)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #c0392b;")
        row = QHBoxLayout()
        row.addWidget(self.new_sender, 1)
        row.addWidget(add)
        row.addWidget(self.remove)
        layout = QVBoxLayout(self)
        layout.addWidget(self.block)
        layout.addWidget(QLabel(self.tr("Always show remote content from these senders:")))
        layout.addWidget(self.senders, 1)
        layout.addLayout(row)
        layout.addWidget(self.error)

    def add_sender(self) -> bool:
        address = self.new_sender.text().strip().lower()
        if not is_valid_address(address):
            self.error.setText(self.tr("That is not an e-mail address."))
            return False
        self.error.clear()
        if address not in self.allowed():
            self.senders.addItem(address)
        self.new_sender.clear()
        return True

    def remove_selected(self) -> None:
        for item in self.senders.selectedItems():
            self.senders.takeItem(self.senders.row(item))

    def allowed(self) -> tuple[str, ...]:
        return tuple(self.senders.item(i).text() for i in range(self.senders.count()))

    def apply(self, settings: Settings) -> Settings:
        policy = RemoteContent.BLOCK if self.block.isChecked() else RemoteContent.ALLOW
        return replace(settings, remote_content=policy, allowed_senders=self.allowed())


class OfflinePage(QWidget):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.policy = QComboBox(self)
        self.policy.setAccessibleName(self.tr("Messages kept offline"))
        self.policy.addItem(self.tr("All messages"), DownloadPolicy.ALL)
        self.policy.addItem(self.tr("Messages of the last days"), DownloadPolicy.RECENT)
        self.policy.setCurrentIndex(self.policy.findData(settings.download_policy))
        self.days = QSpinBox(self)
        self.days.setRange(1, MAX_DOWNLOAD_DAYS)
        self.days.setValue(settings.download_days)
        self.days.setSuffix(self.tr(" days"))
        self.days.setAccessibleName(self.tr("Days kept offline"))
        self.policy.currentIndexChanged.connect(self._update)
        self.interval = QSpinBox(self)
        self.interval.setRange(MIN_CHECK_MINUTES, MAX_CHECK_MINUTES)
        self.interval.setValue(settings.check_interval_minutes)
        self.interval.setSuffix(self.tr(" min"))
        self.interval.setAccessibleName(self.tr("Check for new mail every"))
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(self.tr("Keep offline:"), self.policy)
        form.addRow(self.tr("Last:"), self.days)
        form.addRow(self.tr("Check for new mail every:"), self.interval)
        self._update()

    def _update(self) -> None:
        self.days.setEnabled(self.policy.currentData() == DownloadPolicy.RECENT)

    def apply(self, settings: Settings) -> Settings:
        return replace(
            settings,
            download_policy=DownloadPolicy(self.policy.currentData()),
            download_days=self.days.value(),
            check_interval_minutes=self.interval.value(),
        )


class GeneralPage(QWidget):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notifications = QCheckBox(self.tr("Notify me of new mail in my inboxes"))
        self.notifications.setChecked(settings.notifications)
        self.theme = QCheckBox(self.tr("Follow the system's light or dark colours"))
        self.theme.setChecked(settings.theme_follows_system)
        self.undo = QSpinBox(self)
        self.undo.setRange(0, MAX_UNDO_SECONDS)
        self.undo.setValue(settings.undo_send_seconds)
        self.undo.setSuffix(self.tr(" s"))
        self.undo.setSpecialValueText(self.tr("Send at once"))
        self.undo.setAccessibleName(self.tr("Undo send delay"))
        hint = QLabel(self.tr("After Send, a message waits this long so you can take it back."))
        hint.setWordWrap(True)
        hint.setEnabled(False)  # the palette's secondary text colour
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(self.notifications)
        form.addRow(self.theme)
        form.addRow(self.tr("Undo send for:"), self.undo)
        form.addRow(hint)

    def apply(self, settings: Settings) -> Settings:
        return replace(
            settings,
            notifications=self.notifications.isChecked(),
            theme_follows_system=self.theme.isChecked(),
            undo_send_seconds=self.undo.value(),
        )
