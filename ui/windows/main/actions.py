"""Every command of the main window as a QAction with Thunderbird's shortcut, made in one place
so menus, toolbar and keyboard share them (and a test can trigger each one)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainActions", text)


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
    quit: QAction

    @classmethod
    def create(cls, parent: QWidget) -> MainActions:
        def make(
            text: str, *keys: str | QKeySequence.StandardKey, checkable: bool = False
        ) -> QAction:
            action = QAction(text, parent)
            if keys:
                action.setShortcuts([QKeySequence(k) for k in keys])
            # Shortcuts work wherever the focus is inside the window (list, tree, preview).
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setCheckable(checkable)
            parent.addAction(action)
            return action

        return cls(
            new_message=make(_tr("&New message"), "Ctrl+N"),
            reply=make(_tr("&Reply"), "Ctrl+R"),
            reply_all=make(_tr("Reply &all"), "Ctrl+Shift+R"),
            forward=make(_tr("&Forward"), "Ctrl+L"),
            delete=make(_tr("&Delete"), "Del"),
            toggle_read=make(_tr("Toggle &read"), "M"),
            mark_read=make(_tr("Mark as read")),
            mark_unread=make(_tr("Mark as unread")),
            toggle_star=make(_tr("&Star"), "S"),
            archive=make(_tr("Ar&chive"), "A"),
            junk=make(_tr("Mark as &junk"), "J"),
            not_junk=make(_tr("Mark as not junk"), "Shift+J"),
            search=make(_tr("&Search"), "Ctrl+K"),
            search_alt=make(_tr("Find"), "Ctrl+F"),
            get_messages=make(_tr("&Get messages"), "F5"),
            next_message=make(_tr("&Next message"), "N"),
            previous_message=make(_tr("&Previous message"), "P"),
            work_offline=make(_tr("Work &offline"), checkable=True),
            notifications=make(_tr("New mail &notifications"), checkable=True),
            quit=make(_tr("&Quit"), QKeySequence.StandardKey.Quit),
        )

    def message_actions(self) -> list[QAction]:
        """The ones that need a selected message."""
        return [
            self.reply, self.reply_all, self.forward, self.delete, self.toggle_read,
            self.mark_read, self.mark_unread, self.toggle_star, self.archive, self.junk,
            self.not_junk,
        ]  # fmt: skip
