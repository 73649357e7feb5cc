"""The folder pane: a tree over FolderTreeModel that accepts messages dropped on a folder."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from kittiwake.ui.models.folder_tree import FolderTreeModel


class FolderPane(QTreeView):
    sig_folder_chosen = Signal(QModelIndex)

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
