"""The main window: folder pane, message list, message pane, status bar.

It reaches the engine only through `Engine` and `bridge` (rule 2). Mailbox changes are local
first: the engine changes the cache and queues the server half in one transaction, so the list
and the counts update before any network round trip; the queue is then replayed in a task.
Engine events (from syncs and from those local changes) are coalesced for a moment and then
refresh the models, so a sync storing 500 messages a batch never repaints per message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QSplitter, QToolBar, QWidget

from kittiwake.client.engine import Engine
from kittiwake.client.events import (
    Event,
    FlagsChanged,
    FolderListChanged,
    MessagesAdded,
    MessagesRemoved,
    SyncFinished,
)
from kittiwake.client.net.errors import KittiwakeError
from kittiwake.client.store.model import Flag, Role
from kittiwake.ui import bridge
from kittiwake.ui.models.folder_tree import (
    ACCOUNT_ROLE,
    FOLDER_ID_ROLE,
    KIND_ROLE,
    FolderTreeModel,
    Kind,
    is_local,
)
from kittiwake.ui.models.message_list import MessageListModel
from kittiwake.ui.models.sources import (
    UNIFIED_QUERY,
    FolderSource,
    InboxesSource,
    ListSource,
    QuerySource,
    TagSource,
)
from kittiwake.ui.models.tags import default_tags
from kittiwake.ui.windows.main import import_export
from kittiwake.ui.windows.main.actions import MainActions
from kittiwake.ui.windows.main.folder_pane import FolderPane
from kittiwake.ui.windows.main.list_pane import ListPane, colour_icon
from kittiwake.ui.windows.main.preview import make_message_pane
from kittiwake.ui.windows.main.status_bar import MainStatusBar
from kittiwake.ui.windows.main.tray import NewMailNotifier

COALESCE_MS = 200  # events closer than this refresh the views once (a sync sends many)
CHECK_EVERY_MS = 10 * 60 * 1000  # "get messages" in the background


class MainWindow(QMainWindow):
    sig_closed = Signal()
    # ("new" | "reply" | "reply_all" | "forward", message id or 0): for the composer
    sig_compose_requested = Signal(str, int)
    sig_sync_finished = Signal()
    sig_search_finished = Signal(int)  # how many results
    sig_error = Signal(str)

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        message_pane: QWidget | None = None,
        check_interval_ms: int = CHECK_EVERY_MS,
    ) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("Kittiwake"))
        self.setAccessibleName(self.tr("Kittiwake main window"))
        self.resize(1200, 760)
        self.engine = engine
        self.mark_read_on_open = True
        self._sync_task: asyncio.Task[None] | None = None
        self._replay_task: asyncio.Task[None] | None = None
        self._search_text = ""
        self._synced_once: set[str] = set()
        # Set while the tree shows no Inbox yet (a first run): the Inbox opens when it appears.
        self._awaiting_inbox = False
        self._new_in_inbox: dict[str, int] = {}
        self._remove_listener: Callable[[], None] | None = None
        self.wizard: QWidget | None = None
        if engine is None:
            placeholder = QLabel(self.tr("Kittiwake: no account set up yet."))
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            placeholder.setTextFormat(Qt.TextFormat.PlainText)
            self.setCentralWidget(placeholder)
            return
        self._build(engine, message_pane)
        self._check_timer = QTimer(self)
        self._check_timer.setInterval(check_interval_ms)
        self._check_timer.timeout.connect(self.get_messages)
        if check_interval_ms > 0:
            self._check_timer.start()

    # --- construction ------------------------------------------------------------------------

    def _build(self, engine: Engine, message_pane: QWidget | None) -> None:
        self.folders = FolderTreeModel(engine)
        self.messages = MessageListModel()
        self.folder_pane = FolderPane(self.folders)
        self.list_pane = ListPane(self.messages)
        self.message_pane = message_pane or make_message_pane(engine)
        self.message_pane.setAccessibleName(self.tr("Message"))
        self.status = MainStatusBar()
        self.setStatusBar(self.status)
        self.commands = MainActions.create(self)
        self.notifier = NewMailNotifier(self.windowIcon(), self)
        self.commands.notifications.setChecked(self.notifier.enabled)

        right = QSplitter(Qt.Orientation.Vertical)
        right.setAccessibleName(self.tr("Message list and message"))
        right.addWidget(self.list_pane)
        right.addWidget(self.message_pane)
        right.setSizes([420, 340])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.setAccessibleName(self.tr("Folders and messages"))
        main.addWidget(self.folder_pane)
        main.addWidget(right)
        main.setSizes([260, 940])
        self.setCentralWidget(main)
        self._build_menus()
        self._connect()
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(COALESCE_MS)
        self._refresh.timeout.connect(self._apply_pending)
        self._pending: set[str] = set()
        self._remove_listener = engine.add_listener(self._on_engine_event)
        self._update_enabled()
        self.open_first_inbox()

    def _build_menus(self) -> None:
        a = self.commands
        bar = self.menuBar()
        bar.setAccessibleName(self.tr("Menu bar"))
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addActions([a.new_message, a.get_messages])
        file_menu.addSeparator()
        file_menu.addActions([a.import_mail, a.export_folder])
        file_menu.addSeparator()
        file_menu.addActions([a.work_offline, a.quit])
        self.import_export = import_export.install(self)
        message = bar.addMenu(self.tr("&Message"))
        for action in (a.reply, a.reply_all, a.forward):
            message.addAction(action)
        message.addSeparator()
        for action in (a.toggle_read, a.mark_read, a.mark_unread, a.toggle_star):
            message.addAction(action)
        self.tag_menu = message.addMenu(self.tr("&Tag"))
        self.tag_actions: dict[str, QAction] = {}
        for tag in default_tags():
            action = self.tag_menu.addAction(colour_icon(tag.colour), tag.name)
            action.triggered.connect(lambda _c=False, k=tag.keyword: self.toggle_tag(k))
            self.tag_actions[tag.keyword] = action
        self.move_menu = message.addMenu(self.tr("Mo&ve to"))
        self.move_menu.aboutToShow.connect(self._fill_move_menu)
        message.addSeparator()
        for action in (a.archive, a.junk, a.not_junk, a.delete):
            message.addAction(action)
        go = bar.addMenu(self.tr("&Go"))
        for action in (a.next_message, a.previous_message, a.search):
            go.addAction(action)
        view = bar.addMenu(self.tr("&View"))
        view.addAction(a.notifications)
        view.addAction(self.list_pane.thread_action)

        tools = QToolBar(self.tr("Main toolbar"))
        tools.setAccessibleName(self.tr("Main toolbar"))
        tools.setObjectName("main-toolbar")
        tools.setMovable(False)
        for action in (a.get_messages, a.new_message, a.reply, a.reply_all, a.forward):
            tools.addAction(action)
        tools.addSeparator()
        for action in (a.archive, a.junk, a.delete):
            tools.addAction(action)
        self.addToolBar(tools)

        self.list_pane.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_pane.table.customContextMenuRequested.connect(self._context_menu)

    def _connect(self) -> None:
        a = self.commands
        for action, kind in (
            (a.new_message, "new"),
            (a.reply, "reply"),
            (a.reply_all, "reply_all"),
            (a.forward, "forward"),
        ):
            action.triggered.connect(lambda _c=False, k=kind: self._compose(k))
        a.delete.triggered.connect(self.delete_selected)
        a.toggle_read.triggered.connect(self.toggle_read)
        a.mark_read.triggered.connect(lambda: self.mark_selected(read=True))
        a.mark_unread.triggered.connect(lambda: self.mark_selected(read=False))
        a.toggle_star.triggered.connect(self.toggle_star)
        a.archive.triggered.connect(lambda: self._to_role(Role.ARCHIVE))
        a.junk.triggered.connect(lambda: self.mark_junk(True))
        a.not_junk.triggered.connect(lambda: self.mark_junk(False))
        a.search.triggered.connect(self.focus_search)
        a.search_alt.triggered.connect(self.focus_search)
        a.get_messages.triggered.connect(self.get_messages)
        a.next_message.triggered.connect(lambda: self.list_pane.move_current(1))
        a.previous_message.triggered.connect(lambda: self.list_pane.move_current(-1))
        a.work_offline.toggled.connect(self.set_work_offline)
        a.notifications.toggled.connect(self.notifier.set_enabled)
        a.quit.triggered.connect(self.close)
        self.folder_pane.sig_folder_chosen.connect(self._folder_chosen)
        self.folders.sig_messages_dropped.connect(self.move_messages)
        self.list_pane.sig_search.connect(self.search)
        self.list_pane.sig_filters_changed.connect(self._reload_source)
        self.list_pane.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.messages.modelReset.connect(self._update_enabled)
        self.status.sig_details_requested.connect(lambda: None)
        self.notifier.sig_activated.connect(self._bring_forward)

    # --- which list is shown -----------------------------------------------------------------

    def open_first_inbox(self) -> None:
        """The first account's Inbox; until a sync has brought the folder list, All Inboxes,
        and the Inbox once it appears (as Thunderbird opens a new account's Inbox) unless the
        user has chosen another row by then."""
        inbox = self.folders.first_inbox()
        index = inbox if inbox.isValid() else self.folders.index_of_kind(Kind.UNIFIED)
        if index.isValid():
            self.folder_pane.setCurrentIndex(index)  # -> _folder_chosen, which clears the wish
        self._awaiting_inbox = not inbox.isValid()

    def open_folder(self, folder_id: int) -> None:
        index = self.folders.index_of_folder(folder_id)
        if index.isValid():
            self.folder_pane.setCurrentIndex(index)

    def current_folder_id(self) -> int | None:
        index = self.folder_pane.currentIndex()
        value = index.siblingAtColumn(0).data(FOLDER_ID_ROLE) if index.isValid() else None
        return None if value is None else int(value)

    def _folder_chosen(self, _index: QModelIndex) -> None:
        self._awaiting_inbox = False  # a choice (the user's or open_first_inbox's) stands
        self._search_text = ""
        self.list_pane.search.blockSignals(True)
        self.list_pane.search.clear()
        self.list_pane.search.blockSignals(False)
        self._reload_source()

    def _source(self) -> ListSource | None:
        assert self.engine is not None
        index = self.folder_pane.currentIndex().siblingAtColumn(0)
        kind = index.data(KIND_ROLE) if index.isValid() else None
        folder_id = self.current_folder_id()
        quick = self.list_pane.filter_query()
        tag = self.list_pane.tag_keyword()
        if self._search_text:
            return QuerySource(self.engine, f"({self._search_text}) {quick}".strip())
        if tag:
            return TagSource(self.engine, tag, folder_id)
        if kind == Kind.UNIFIED:
            if not quick:  # the common case, and reloaded on every sync burst: made cheap
                return InboxesSource(self.engine)
            return QuerySource(self.engine, f"{UNIFIED_QUERY} {quick}".strip())
        if kind == Kind.FOLDER and folder_id is not None:
            if quick:
                return QuerySource(self.engine, quick, folder_id)
            old = self.messages.source
            if isinstance(old, FolderSource):  # keep the user's sort column
                return FolderSource(self.engine, folder_id, old.sort, old.descending)
            return FolderSource(self.engine, folder_id)
        return None

    def _reload_source(self) -> None:
        try:
            self.messages.set_source(self._source())
        except ValueError as error:  # SearchSyntaxError: the user's query
            self.messages.set_source(None)
            self.status.showMessage(str(error), 10000)
            self.sig_error.emit(str(error))
        self._show_current()

    # --- search ------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.list_pane.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.list_pane.search.selectAll()

    def search(self, text: str) -> None:
        self._search_text = text.strip()
        if not self._search_text:
            self._reload_source()
            return
        bridge.start(self._run_search(), name="search")

    async def _run_search(self) -> None:
        assert self.engine is not None
        await self.engine.catch_up_index()  # what the last sync stored, off this thread
        self._reload_source()
        self.sig_search_finished.emit(self.messages.rowCount())

    # --- selection and the message pane ------------------------------------------------------

    def _selection_changed(self, *_args: object) -> None:
        self._update_enabled()
        self._show_current()

    def _show_current(self) -> None:
        shown = self.list_pane.shown_id()  # a collapsed thread row shows its newest message
        show = getattr(self.message_pane, "show_message", None)
        if show is not None:
            show(shown)
        if shown is not None and self.mark_read_on_open and self.engine is not None:
            summary = self.engine.message(shown)
            if summary is not None and summary.unread:
                self._run(lambda: self.engine.mark([shown], add=Flag.SEEN))  # type: ignore[union-attr]

    def _update_enabled(self) -> None:
        has = bool(self.list_pane.selected_ids())
        for action in self.commands.message_actions():
            action.setEnabled(has)
        self.tag_menu.setEnabled(has)
        self.move_menu.setEnabled(has)

    # --- mailbox operations (local first) ----------------------------------------------------

    def _run(self, change: Callable[[], object]) -> None:
        try:
            change()
        except (KittiwakeError, ValueError) as error:
            self.status.showMessage(str(error), 10000)
            self.sig_error.emit(str(error))
            return
        self._apply_pending()  # the views now, not after the coalescing delay
        self.replay_soon()

    def mark_selected(self, *, read: bool) -> None:
        ids = self.list_pane.selected_ids()
        if not ids or self.engine is None:
            return
        engine = self.engine
        if read:
            self._run(lambda: engine.mark(ids, add=Flag.SEEN))
        else:
            self._run(lambda: engine.mark(ids, remove=Flag.SEEN))

    def toggle_read(self) -> None:
        rows = self._selected_summaries()
        if rows:
            # Thunderbird's rule: any unread in the selection -> all read, else all unread.
            self.mark_selected(read=any(r.unread for r in rows))

    def toggle_star(self) -> None:
        rows = self._selected_summaries()
        if not rows or self.engine is None:
            return
        engine, ids = self.engine, [r.id for r in rows]
        if any(not r.flagged for r in rows):
            self._run(lambda: engine.mark(ids, add=Flag.FLAGGED))
        else:
            self._run(lambda: engine.mark(ids, remove=Flag.FLAGGED))

    def toggle_tag(self, keyword: str) -> None:
        rows = self._selected_summaries()
        if not rows or self.engine is None:
            return
        engine, ids = self.engine, [r.id for r in rows]
        if all(keyword in r.keywords for r in rows):
            self._run(lambda: engine.set_keywords(ids, remove=(keyword,)))
        else:
            self._run(lambda: engine.set_keywords(ids, add=(keyword,)))

    def delete_selected(self) -> None:
        ids = self.list_pane.selected_ids()
        if ids and self.engine is not None:
            engine = self.engine
            self._keep_position(lambda: engine.delete(ids))

    def move_messages(self, ids: list[int], folder_id: int) -> None:
        if ids and self.engine is not None:
            engine = self.engine
            self._keep_position(lambda: engine.move(ids, folder_id))

    def move_selected(self, folder_id: int) -> None:
        self.move_messages(self.list_pane.selected_ids(), folder_id)

    def _to_role(self, role: Role) -> None:
        ids = self.list_pane.selected_ids()
        if not ids or self.engine is None:
            return
        engine = self.engine

        def change() -> None:
            if not engine.move_to_role(ids, role):
                self.status.showMessage(self.tr("This account has no such folder."), 10000)

        self._keep_position(change)

    def mark_junk(self, junk: bool) -> None:
        ids = self.list_pane.selected_ids()
        if not ids or self.engine is None:
            return
        engine = self.engine
        self._keep_position(lambda: engine.mark_junk(ids, junk))

    def _keep_position(self, change: Callable[[], object]) -> None:
        """Rows leave the list: select the one that takes the first removed row's place."""
        rows = self.list_pane.table.selectionModel().selectedRows()
        first = min((i.row() for i in rows), default=0)
        self._run(change)
        self.list_pane.select_row(min(first, self.messages.rowCount() - 1))

    def _selected_summaries(self) -> list:  # type: ignore[type-arg]
        if self.engine is None:
            return []
        ids = self.list_pane.selected_ids()
        return [s for s in (self.engine.message(i) for i in ids) if s is not None]

    def _fill_move_menu(self) -> None:
        self.move_menu.clear()
        if self.engine is None:
            return
        current = self.current_folder_id()
        account = self.folder_pane.currentIndex().siblingAtColumn(0).data(ACCOUNT_ROLE)
        # By store account: local folders (`<id>@local`) move among themselves only.
        for folder in self.engine.folders():
            if folder.id == current or (account and folder.account != account):
                continue
            owner = self.tr("Local Folders") if is_local(folder.account) else folder.account
            action = self.move_menu.addAction(f"{owner}: {folder.name}")
            action.triggered.connect(lambda _c=False, f=folder.id: self.move_selected(f))

    def _context_menu(self, position: QPoint) -> None:
        a = self.commands
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Message actions"))
        for action in (a.reply, a.reply_all, a.forward):
            menu.addAction(action)
        menu.addSeparator()
        for action in (a.toggle_read, a.toggle_star):
            menu.addAction(action)
        menu.addMenu(self.tag_menu)
        menu.addMenu(self.move_menu)
        for action in (a.archive, a.junk, a.not_junk, a.delete):
            menu.addAction(action)
        menu.popup(self.list_pane.table.viewport().mapToGlobal(position))

    def _compose(self, kind: str) -> None:
        message_id = self.list_pane.current_id() if kind != "new" else None
        if kind != "new" and message_id is None:
            return
        self.sig_compose_requested.emit(kind, message_id or 0)

    # --- network: sync and replay ------------------------------------------------------------

    def set_work_offline(self, offline: bool) -> None:
        self.status.set_offline_by_choice(offline)
        if not offline:
            self.get_messages()

    def get_messages(self) -> None:
        if self.engine is None or self.commands.work_offline.isChecked():
            return
        if self._sync_task is None or self._sync_task.done():
            self._sync_task = bridge.start(self._sync(), name="get messages")

    async def _sync(self) -> None:
        assert self.engine is not None
        try:
            await self._replay()
            await self.engine.sync()
            await self._replay()
        finally:
            self._apply_pending()  # the views are current when "finished" is announced
            self.sig_sync_finished.emit()

    def replay_soon(self) -> None:
        if self.engine is None or self.commands.work_offline.isChecked():
            return
        if self._sync_task is not None and not self._sync_task.done():
            return  # the running sync replays when it ends
        if self._replay_task is None or self._replay_task.done():
            self._replay_task = bridge.start(self._replay(), name="replay")

    async def _replay(self) -> None:
        assert self.engine is not None
        try:
            await self.engine.replay()
        except (KittiwakeError, OSError) as error:
            # Stays queued; the next sync or change tries again.
            message = getattr(error, "message", str(error))
            self.status.showMessage(self.tr("Changes wait to be sent: %1").replace("%1", message))

    # --- engine events -----------------------------------------------------------------------

    def _on_engine_event(self, event: Event) -> None:
        self.status.on_event(event)
        if isinstance(event, FolderListChanged):
            self._pending.add("folders")
        elif isinstance(event, (MessagesAdded, MessagesRemoved)):
            self._pending.update(("counts", "rows"))
            if isinstance(event, MessagesAdded):
                self._count_new_mail(event)
        elif isinstance(event, FlagsChanged):
            self._pending.update(("counts", "flags"))
        elif isinstance(event, SyncFinished):
            self._synced_once.add(event.account)
            new = self._new_in_inbox.pop(event.account, 0)
            if new:
                self.notifier.new_mail(event.account, new)
        else:
            return
        if not self._refresh.isActive():
            self._refresh.start()

    def _count_new_mail(self, event: MessagesAdded) -> None:
        if event.account not in self._synced_once or self.engine is None:
            return  # the first sync of a session fills the cache: not "new mail"
        folder = self.engine.folder_by_id(event.folder_id)
        if folder is not None and folder.role is Role.INBOX:
            self._new_in_inbox[event.account] = self._new_in_inbox.get(event.account, 0) + len(
                event.uids
            )

    def _apply_pending(self) -> None:
        self._refresh.stop()
        pending, self._pending = self._pending, set()
        rebuilt = False
        if "folders" in pending:
            # A real change of the folder list rebuilds the tree; the engine's other
            # FolderListChanged (moves, deletes, the Outbox) only update counts in place.
            current = self.folders.key_of(self.folder_pane.currentIndex())
            self.folder_pane.blockSignals(True)
            rebuilt = self.folders.refresh()
            if rebuilt:
                # The same row again, virtual ones included (All Inboxes, the Outbox): its
                # list source is unchanged, so no "chosen" signal, no reset search.
                self.folder_pane.setCurrentIndex(self.folders.index_of_key(current))
            self.folder_pane.blockSignals(False)
            if self._awaiting_inbox and self.folders.first_inbox().isValid():
                self.open_first_inbox()  # a first sync brought the Inbox: the user sees it
                return  # which set the list's source: nothing left to reload
        elif "counts" in pending:
            self.folders.update_counts()
        if "rows" in pending or rebuilt:
            self._reload_keeping_selection()
        elif "flags" in pending:
            self.messages.refresh_rows()

    def _reload_keeping_selection(self) -> None:
        current = self.list_pane.current_id()
        row = self.list_pane.table.currentIndex().row()
        self.messages.reload()
        if current is not None:
            found = self.messages.row_of(current, row)
            if found is not None:
                self.list_pane.select_row(found)

    def accounts_changed(self) -> None:
        """An account was added (the wizard) or removed: new tree, then a sync."""
        self.folders.rebuild()
        self.open_first_inbox()
        self.get_messages()

    # --- closing -----------------------------------------------------------------------------

    def pending_tasks(self) -> list[asyncio.Task[None]]:
        return [t for t in (self._sync_task, self._replay_task) if t is not None and not t.done()]

    async def finish_pending(self, grace: float = 10.0) -> None:
        """After closing: let a running sync or replay end (everything is durable, so one that
        does not end in time is cancelled and picked up at the next start)."""
        tasks = self.pending_tasks()
        if not tasks:
            return
        _done, still = await asyncio.wait(tasks, timeout=grace)
        for task in still:
            task.cancel()
        if still:
            await asyncio.wait(still)

    def _bring_forward(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Every local change is already durable in the cache's queue: nothing is lost by
        # stopping here; the next start replays it.
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None
        if self.engine is not None:
            self._check_timer.stop()
            self._refresh.stop()
            self.notifier.close()
        self.sig_closed.emit()
        super().closeEvent(event)
