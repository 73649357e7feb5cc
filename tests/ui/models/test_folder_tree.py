"""The folder tree: special folders first, nesting, the Outbox only when it holds mail, drops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.store.model import FolderInfo, Role
from kittiwake.client.sync.outbox import enqueue
from kittiwake.ui.models.folder_tree import (
    ACCOUNT_ROLE,
    FOLDER_ID_ROLE,
    KIND_ROLE,
    UNREAD_ROLE,
    FolderTreeModel,
    Kind,
)
from kittiwake.ui.models.message_list import encode_ids
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
from tests.client.sync.cli_helpers import ACCOUNT, add_account
from tests.servers.fixtures import MailServer
from tests.ui.models.synthetic import fill_folder


@pytest.fixture
def engine(
    tmp_path: Path, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    with keyring_backend(MemoryKeyring()):
        add_account(tmp_path, mail_server, mail_server.new_user("tree"), monkeypatch)
        with Engine.open(tmp_path) as engine:
            store = engine.store
            for name, role in (
                ("Trash", Role.TRASH), ("Projects", None), ("Projects/Kittiwake", None),
                ("Sent", Role.SENT), ("Archive", Role.ARCHIVE), ("<b>odd</b>", None),
            ):  # fmt: skip
                store.folders.upsert(FolderInfo(ACCOUNT, name, "/", role))
            fill_folder(engine, ACCOUNT, 30)  # INBOX: every third unread -> 10
            yield engine


def children(model: FolderTreeModel, parent: QModelIndex) -> list[QModelIndex]:
    return [model.index(r, 0, parent) for r in range(model.rowCount(parent))]


def test_order_nesting_and_counts(qtbot: QtBot, engine: Engine) -> None:
    model = FolderTreeModel(engine)
    unified, account = children(model, QModelIndex())
    assert unified.data(KIND_ROLE) == Kind.UNIFIED and unified.data(UNREAD_ROLE) == 10
    assert account.data(Qt.ItemDataRole.ToolTipRole) == engine.accounts()[0].address
    names = [i.data() for i in children(model, account)]
    assert names == ["Inbox", "Sent", "Archive", "Trash", "<b>odd</b>", "Projects"]
    projects = children(model, account)[-1]
    assert [i.data() for i in children(model, projects)] == ["Kittiwake"]
    inbox = children(model, account)[0]
    assert inbox.data(UNREAD_ROLE) == 10 and inbox.siblingAtColumn(1).data() == "10"
    assert inbox.data(Qt.ItemDataRole.FontRole).bold()


def test_outbox_appears_when_it_holds_mail(qtbot: QtBot, engine: Engine) -> None:
    model = FolderTreeModel(engine)
    assert not model.index_of_kind(Kind.OUTBOX).isValid()
    enqueue(engine.store, ACCOUNT, b"From: a@example.test\r\nSubject: x\r\n\r\nbody\r\n")
    model.rebuild()
    outbox = model.index_of_kind(Kind.OUTBOX)
    assert outbox.isValid() and outbox.siblingAtColumn(1).data() == "1"


def test_counts_update_in_place(qtbot: QtBot, engine: Engine) -> None:
    model = FolderTreeModel(engine)
    inbox = engine.folder(ACCOUNT, "INBOX")
    first = engine.messages(inbox.id, unread_only=True, limit=1).rows[0]
    index = model.index_of_folder(inbox.id)
    from kittiwake.client.store.model import Flag

    engine.mark([first.id], add=Flag.SEEN)
    model.update_counts()
    assert index.isValid() and index.data(UNREAD_ROLE) == 9  # same index: nothing rebuilt


def test_a_drop_on_a_folder_asks_for_a_move(qtbot: QtBot, engine: Engine) -> None:
    model = FolderTreeModel(engine)
    trash = model.index_of_folder(engine.folder(ACCOUNT, "Trash").id)
    with qtbot.waitSignal(model.sig_messages_dropped) as dropped:
        assert model.dropMimeData(encode_ids([3, 4]), Qt.DropAction.MoveAction, -1, -1, trash)
    assert dropped.args == [[3, 4], engine.folder(ACCOUNT, "Trash").id]
    account = model.index(1, 0)
    assert not model.canDropMimeData(encode_ids([3]), Qt.DropAction.MoveAction, -1, -1, account)


# --- local folders (imported mail, `<id>@local`) ---------------------------------------------

MBOX = (
    b"From alice@example.org Mon Jun  3 12:50:27 1996\n"
    b"From: Alice <alice@example.org>\nSubject: read one\nStatus: RO\n\nhello\n\n"
    b"From bob@example.org Tue Jun  4 01:02:03 1996\n"
    b"From: bob@example.org\nSubject: unread one\n\nworld\n\n"
)


def import_local(engine: Engine, tmp_path: Path, folder: str) -> int:
    source = tmp_path / f"{folder}.mbox"
    source.write_bytes(MBOX)
    return engine.import_mail(ACCOUNT, source, folder=folder).folder_id


def test_local_folders_come_after_the_accounts_with_unread_counts(
    qtbot: QtBot, engine: Engine, tmp_path: Path
) -> None:
    saved = import_local(engine, tmp_path, "Saved")
    old = import_local(engine, tmp_path, "INBOX")  # an imported "INBOX" is not the account's
    model = FolderTreeModel(engine)
    top = children(model, QModelIndex())
    assert [i.data(KIND_ROLE) for i in top] == [Kind.UNIFIED, Kind.ACCOUNT, Kind.LOCAL]
    local = top[-1]
    assert local.data() == "Local Folders"
    assert [i.data() for i in children(model, local)] == ["INBOX", "Saved"]
    index = model.index_of_folder(saved)
    assert index.parent() == local and index.data(KIND_ROLE) == Kind.FOLDER
    assert index.data(UNREAD_ROLE) == 1 and index.siblingAtColumn(1).data() == "1"
    assert index.data(Qt.ItemDataRole.FontRole).bold()
    assert index.data(ACCOUNT_ROLE) == f"{ACCOUNT}@local"
    # The unified Inbox counts the server's Inbox only, and the first "Inbox" is the server's.
    assert top[0].data(UNREAD_ROLE) == 10
    first_inbox = next(i for i in model.items() if i.text() == "Inbox")
    assert first_inbox.data(FOLDER_ID_ROLE) == engine.folder(ACCOUNT, "INBOX").id != old


def test_no_local_folders_no_node(qtbot: QtBot, engine: Engine) -> None:
    model = FolderTreeModel(engine)
    assert not model.index_of_kind(Kind.LOCAL).isValid()


def test_local_folders_of_several_accounts_are_grouped_by_account(
    qtbot: QtBot, engine: Engine, tmp_path: Path
) -> None:
    import_local(engine, tmp_path, "Saved")
    # An account removed since: its imported mail exists nowhere else, so it stays listed.
    engine.store.folders.upsert(FolderInfo("gone@local", "Old mail"))
    model = FolderTreeModel(engine)
    local = model.index_of_kind(Kind.LOCAL)
    groups = children(model, local)
    assert [g.data() for g in groups] == [ACCOUNT, "gone"]
    assert [g.data(ACCOUNT_ROLE) for g in groups] == [f"{ACCOUNT}@local", "gone@local"]
    assert [i.data() for i in children(model, groups[0])] == ["Saved"]
    assert [i.data() for i in children(model, groups[1])] == ["Old mail"]


def test_drops_stay_between_server_folders_or_between_local_folders(
    qtbot: QtBot, engine: Engine, tmp_path: Path
) -> None:
    saved = import_local(engine, tmp_path, "Saved")
    other = import_local(engine, tmp_path, "Other")
    model = FolderTreeModel(engine)
    move = Qt.DropAction.MoveAction
    server_ids = [r.id for r in engine.messages(engine.folder(ACCOUNT, "INBOX").id, limit=2).rows]
    local_ids = [r.id for r in engine.messages(saved, limit=2).rows]
    trash = model.index_of_folder(engine.folder(ACCOUNT, "Trash").id)
    # A server's message cannot go into the cache's folder, nor the other way round.
    assert not model.canDropMimeData(encode_ids(server_ids), move, -1, -1,
                                      model.index_of_folder(other))  # fmt: skip
    assert not model.canDropMimeData(encode_ids(local_ids), move, -1, -1, trash)
    assert not model.dropMimeData(encode_ids(local_ids), move, -1, -1, trash)
    assert model.canDropMimeData(encode_ids(server_ids), move, -1, -1, trash)
    with qtbot.waitSignal(model.sig_messages_dropped) as dropped:
        target = model.index_of_folder(other)
        assert model.dropMimeData(encode_ids(local_ids), move, -1, -1, target)
    assert dropped.args == [local_ids, other]
    assert not model.canDropMimeData(encode_ids(local_ids), move, -1, -1,
                                      model.index_of_kind(Kind.LOCAL))  # fmt: skip


def test_every_row_keeps_a_stable_key_across_a_rebuild(
    qtbot: QtBot, engine: Engine, tmp_path: Path
) -> None:
    import_local(engine, tmp_path, "Saved")
    engine.store.folders.upsert(FolderInfo("gone@local", "Old mail"))  # local sub-nodes
    enqueue(engine.store, ACCOUNT, b"From: a@example.test\r\nSubject: x\r\n\r\nbody\r\n")
    model = FolderTreeModel(engine)
    before = {model.key_of(item.index()): item.text() for item in model.items()}
    # Virtual rows too: All Inboxes, the Outbox, the account, Local Folders and its groups.
    assert {"unified", "outbox", f"account:{ACCOUNT}", "local", "local:gone@local"} <= set(before)
    assert None not in before and len(before) == len(list(model.items()))
    model.rebuild()
    for key, text in before.items():
        index = model.index_of_key(key)
        assert index.isValid() and index.data() == text and model.key_of(index) == key
    assert not model.index_of_key("folder:999999").isValid()
    assert not model.index_of_key(None).isValid()


def test_first_inbox_is_the_servers_never_a_local_folder(
    qtbot: QtBot, engine: Engine, tmp_path: Path
) -> None:
    model = FolderTreeModel(engine)
    inbox = engine.folder(ACCOUNT, "INBOX").id
    assert model.first_inbox().data(FOLDER_ID_ROLE) == inbox
    import_local(engine, tmp_path, "INBOX")
    model.rebuild()
    assert model.first_inbox().data(FOLDER_ID_ROLE) == inbox
    # Before the first sync (no server folders yet) an imported "INBOX" does not pass for it.
    for folder in engine.folders():
        if folder.account == ACCOUNT:
            engine.store.folders.delete(folder.id)
    model.rebuild()
    assert any(i.data(KIND_ROLE) == Kind.FOLDER for i in model.items())
    assert not model.first_inbox().isValid()


def test_refresh_without_a_folder_list_change_updates_counts_in_place(
    qtbot: QtBot, engine: Engine
) -> None:
    from PySide6.QtCore import QPersistentModelIndex

    from tests.ui.models.synthetic import headers

    model = FolderTreeModel(engine)
    inbox = engine.folder(ACCOUNT, "INBOX")
    kept = QPersistentModelIndex(model.index_of_folder(inbox.id))
    resets: list[str] = []
    model.modelReset.connect(lambda: resets.append("reset"))
    model.rowsRemoved.connect(lambda *_: resets.append("removed"))
    changed: list[int] = []
    model.dataChanged.connect(lambda top, *_: changed.append(top.row()))
    engine.store.messages.upsert_headers(inbox.id, headers(3, start=31))  # 31, 33 unread
    assert model.refresh() is False  # the same folders: no rebuild
    assert resets == [] and kept.isValid()
    assert kept.data(UNREAD_ROLE) == 11 and kept.sibling(kept.row(), 1).data() == "11"
    assert model.index_of_kind(Kind.UNIFIED).data(UNREAD_ROLE) == 11
    assert kept.row() in changed


def test_refresh_rebuilds_when_the_folder_list_changes(qtbot: QtBot, engine: Engine) -> None:
    model = FolderTreeModel(engine)
    account = model.index(1, 0)
    before = model.rowCount(account)
    engine.store.folders.upsert(FolderInfo(ACCOUNT, "Receipts", "/", None))
    with qtbot.waitSignal(model.sig_rebuilt, timeout=0):
        assert model.refresh() is True
    account = model.index(1, 0)
    assert model.rowCount(account) == before + 1
    assert "Receipts" in [i.data() for i in children(model, account)]
