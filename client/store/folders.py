"""Accounts and folders: what the folder pane shows, and each folder's sync state."""

from __future__ import annotations

from typing import Any

from kittiwake.client.store.database import Database
from kittiwake.client.store.model import Folder, FolderInfo, Role

_COLUMNS = (
    "id, account, name, delimiter, role, subscribed, uidvalidity, uidnext, highestmodseq, "
    "unread_count, total_count"
)


def _folder(row: Any) -> Folder:
    id_, account, name, delimiter, role, subscribed, validity, uidnext, modseq, unread, total = row
    return Folder(
        id=int(id_),
        account=str(account),
        name=str(name),
        delimiter=None if delimiter is None else str(delimiter),
        role=None if role is None else Role(str(role)),
        subscribed=bool(subscribed),
        uidvalidity=None if validity is None else int(validity),
        uidnext=None if uidnext is None else int(uidnext),
        highestmodseq=None if modseq is None else int(modseq),
        unread_count=int(unread),
        total_count=int(total),
    )


class Folders:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- accounts ------------------------------------------------------------------------

    def add_account(self, account: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO accounts (id) VALUES (?)", (account,))

    def remove_account(self, account: str) -> None:
        """Forget an account and everything cached for it (cascades to folders, messages)."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM accounts WHERE id = ?", (account,))

    def accounts(self) -> list[str]:
        return [row[0] for row in self._db.conn.execute("SELECT id FROM accounts ORDER BY id")]

    # --- folders -------------------------------------------------------------------------

    def upsert(self, info: FolderInfo) -> int:
        """Create or update a folder as listed by the server; returns its id."""
        with self._db.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO accounts (id) VALUES (?)", (info.account,))
            row = conn.execute(
                "INSERT INTO folders (account, name, delimiter, role, subscribed) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, name) DO UPDATE SET "
                "delimiter = excluded.delimiter, role = excluded.role, "
                "subscribed = excluded.subscribed RETURNING id",
                (
                    info.account,
                    info.name,
                    info.delimiter,
                    None if info.role is None else info.role.value,
                    int(info.subscribed),
                ),
            ).fetchone()
        return int(row[0])

    def get(self, folder_id: int) -> Folder | None:
        row = self._db.conn.execute(
            f"SELECT {_COLUMNS} FROM folders WHERE id = ?", (folder_id,)
        ).fetchone()
        return None if row is None else _folder(row)

    def find(self, account: str, name: str) -> Folder | None:
        row = self._db.conn.execute(
            f"SELECT {_COLUMNS} FROM folders WHERE account = ? AND name = ?", (account, name)
        ).fetchone()
        return None if row is None else _folder(row)

    def by_role(self, account: str, role: Role) -> Folder | None:
        row = self._db.conn.execute(
            f"SELECT {_COLUMNS} FROM folders WHERE account = ? AND role = ? ORDER BY id LIMIT 1",
            (account, role.value),
        ).fetchone()
        return None if row is None else _folder(row)

    def list(self, account: str | None = None) -> list[Folder]:
        """Folders with their maintained unread/total counts (no message row is counted)."""
        if account is None:
            cursor = self._db.conn.execute(f"SELECT {_COLUMNS} FROM folders ORDER BY account, name")
        else:
            cursor = self._db.conn.execute(
                f"SELECT {_COLUMNS} FROM folders WHERE account = ? ORDER BY name", (account,)
            )
        return [_folder(row) for row in cursor]

    def unread_counts(self, account: str | None = None) -> dict[int, int]:
        return {folder.id: folder.unread_count for folder in self.list(account)}

    def rename(self, folder_id: int, name: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("UPDATE folders SET name = ? WHERE id = ?", (name, folder_id))

    def delete(self, folder_id: int) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM folders WHERE id = ?", (folder_id,))

    # --- sync state ----------------------------------------------------------------------

    def set_sync_state(
        self,
        folder_id: int,
        *,
        uidvalidity: int | None = None,
        uidnext: int | None = None,
        highestmodseq: int | None = None,
    ) -> None:
        """Record what the server reported; None leaves a value unchanged."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE folders SET uidvalidity = coalesce(?, uidvalidity), "
                "uidnext = coalesce(?, uidnext), highestmodseq = coalesce(?, highestmodseq) "
                "WHERE id = ?",
                (uidvalidity, uidnext, highestmodseq, folder_id),
            )

    def reset_uidvalidity(self, folder_id: int, uidvalidity: int) -> int:
        """UIDVALIDITY changed: every cached UID is void. Drops the folder's messages (with
        their bodies and index entries) and starts over; returns how many were dropped."""
        with self._db.transaction() as conn:
            dropped = conn.execute("DELETE FROM messages WHERE folder_id = ?", (folder_id,))
            conn.execute(
                "UPDATE folders SET uidvalidity = ?, uidnext = NULL, highestmodseq = NULL "
                "WHERE id = ?",
                (uidvalidity, folder_id),
            )
        return dropped.rowcount
