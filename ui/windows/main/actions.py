"""Every command of the main window as a QAction with Thunderbird's shortcut, made in one place
so menus, toolbar and keyboard share them (and a test can trigger each one)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


def _tr(text: object) -> str:
    # `text` comes from QT_TRANSLATE_NOOP (typed `object`), which marks it for lupdate.
    return QCoreApplication.translate("MainActions", str(text))


@dataclass
class MainActions:
    new_message: QAction
    reply: QAction
    reply_all: QAction
    forward: QAction
    delete: QAction
    toggle_read: QAction
    mark_read: QAction
    mark_unread: QAction
    toggle_star: QAction
    archive: QAction
    junk: QAction
    not_junk: QAction
    search: QAction
    search_alt: QAction
    get_messages: QAction
    next_message: QAction
    previous_message: QAction
    work_offline: QAction
    notifications: QAction
    import_mail: QAction
    export_folder: QAction
    quit: QAction

    @classmethod
    def create(cls, parent: QWidget) -> MainActions:
        def make(
            text: object, *keys: str | QKeySequence.StandardKey, checkable: bool = False
        ) -> QAction:
            action = QAction(_tr(text), parent)
            if keys:
                action.setShortcuts([QKeySequence(k) for k in keys])
            # Shortcuts work wherever the focus is inside the window (list, tree, preview).
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setCheckable(checkable)
            parent.addAction(action)
            return action

        return cls(
            new_message=make(QT_TRANSLATE_NOOP("MainActions", "&New message"), "Ctrl+N"),
            reply=make(QT_TRANSLATE_NOOP("MainActions", "&Reply"), "Ctrl+R"),
            reply_all=make(QT_TRANSLATE_NOOP("MainActions", "Reply &all"), "Ctrl+Shift+R"),
            forward=make(QT_TRANSLATE_NOOP("MainActions", "&Forward"), "Ctrl+L"),
            delete=make(QT_TRANSLATE_NOOP("MainActions", "&Delete"), "Del"),
            toggle_read=make(QT_TRANSLATE_NOOP("MainActions", "Toggle &read"), "M"),
            mark_read=make(QT_TRANSLATE_NOOP("MainActions", "Mark as read")),
            mark_unread=make(QT_TRANSLATE_NOOP("MainActions", "Mark as unread")),
            toggle_star=make(QT_TRANSLATE_NOOP("MainActions", "&Star"), "S"),
            archive=make(QT_TRANSLATE_NOOP("MainActions", "Ar&chive"), "A"),
            junk=make(QT_TRANSLATE_NOOP("MainActions", "Mark as &junk"), "J"),
            not_junk=make(QT_TRANSLATE_NOOP("MainActions", "Mark as not junk"), "Shift+J"),
            search=make(QT_TRANSLATE_NOOP("MainActions", "&Search"), "Ctrl+K"),
            search_alt=make(QT_TRANSLATE_NOOP("MainActions", "Find"), "Ctrl+F"),
            get_messages=make(QT_TRANSLATE_NOOP("MainActions", "&Get messages"), "F5"),
            next_message=make(QT_TRANSLATE_NOOP("MainActions", "&Next message"), "N"),
            previous_message=make(QT_TRANSLATE_NOOP("MainActions", "&Previous message"), "P"),
            work_offline=make(QT_TRANSLATE_NOOP("MainActions", "Work &offline"), checkable=True),
            notifications=make(
                QT_TRANSLATE_NOOP("MainActions", "New mail &notifications"), checkable=True
            ),
            import_mail=make(QT_TRANSLATE_NOOP("MainActions", "&Import mail…")),
            export_folder=make(QT_TRANSLATE_NOOP("MainActions", "&Export folder as mbox…")),
            quit=make(QT_TRANSLATE_NOOP("MainActions", "&Quit"), QKeySequence.StandardKey.Quit),
        )

    def message_actions(self) -> list[QAction]:
        """The ones that need a selected message."""
        return [
            self.reply, self.reply_all, self.forward, self.delete, self.toggle_read,
            self.mark_read, self.mark_unread, self.toggle_star, self.archive, self.junk,
            self.not_junk,
        ]  # fmt: skip
