"""The folder pane: a tree over FolderTreeModel that accepts messages dropped on a folder, and a
context menu to import mail or export the folder under the pointer."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTreeView, QWidget

from kittiwake.ui.models.folder_tree import (
    ACCOUNT_ROLE,
    FOLDER_ID_ROLE,
    KIND_ROLE,
    FolderTreeModel,
    Kind,
    base_account,
)


class FolderPane(QTreeView):
    sig_folder_chosen = Signal(QModelIndex)
    sig_import_requested = Signal(str)  # the account under the pointer ("" for none)
    sig_export_requested = Signal(int)  # a folder id

    def __init__(self, model: FolderTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Folders"))
        self.setModel(model)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self._after_reset()
        model.sig_rebuilt.connect(self._after_reset)

    def _after_reset(self) -> None:
        header = self.header()
        header.setStretchLastSection(False)
        if header.count() >= 2:
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.expandAll()

    def currentChanged(
        self,
        current: QModelIndex | QPersistentModelIndex,
        previous: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().currentChanged(current, previous)
        if current.isValid():
            self.sig_folder_chosen.emit(current.sibling(current.row(), 0))

    # --- context menu ------------------------------------------------------------------------

    def folder_menu(self, index: QModelIndex) -> QMenu:
        """The menu for the item at `index` (acting on that item, not on the current folder)."""
        item = index.siblingAtColumn(0) if index.isValid() else QModelIndex()
        folder_id = item.data(FOLDER_ID_ROLE) if item.data(KIND_ROLE) == Kind.FOLDER else None
        account = item.data(ACCOUNT_ROLE) if item.isValid() else None
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Folder actions"))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        export = menu.addAction(self.tr("Export folder as mbox…"))
        export.setEnabled(folder_id is not None)
        if folder_id is not None:
            export.triggered.connect(lambda: self.sig_export_requested.emit(int(folder_id)))
        imported = menu.addAction(self.tr("Import mail…"))
        imported.triggered.connect(
            lambda: self.sig_import_requested.emit(base_account(str(account)) if account else "")
        )
        return menu

    def _context_menu(self, position: QPoint) -> None:
        self.folder_menu(self.indexAt(position)).popup(self.viewport().mapToGlobal(position))
