"""What the engine tells the GUI and the CLI: frozen dataclasses, one per kind of change.

The GUI's bridge turns each into a Qt signal; the CLI prints progress from SyncProgress. Events
carry ids (account, folder id, UIDs), never message contents, so they are cheap to queue and
safe to log.
"""

from __future__ import annotations

import enum

from kittiwake.client.records import record


@record
class FolderListChanged:
    account: str


@record
class MessagesAdded:
    account: str
    folder_id: int
    uids: tuple[int, ...]


@record
class FlagsChanged:
    account: str
    folder_id: int
    uids: tuple[int, ...]


@record
class MessagesRemoved:
    account: str
    folder_id: int
    uids: tuple[int, ...]  # empty with `all_of_folder`: a UIDVALIDITY reset dropped every one
    all_of_folder: bool = False


@record
class BodiesStored:
    account: str
    folder_id: int
    count: int


class Phase(enum.StrEnum):
    CONNECTING = "connecting"
    FOLDERS = "folders"
    CHANGES = "changes"  # flags and expunges of cached messages
    HEADERS = "headers"
    BODIES = "bodies"


@record
class SyncProgress:
    account: str
    folder: str  # "" for account-wide phases
    phase: Phase
    done: int
    total: int


@record
class SyncFinished:
    account: str
    folders: int  # how many folders were synced
    added: int
    removed: int
    flags_changed: int
    bodies: int


@record
class SyncFailed:
    account: str
    folder: str  # "" when the account as a whole failed (connect, login)
    message: str  # for a person, one line
    hint: str  # what to check


@record
class OnlineStateChanged:
    account: str
    online: bool
    reason: str = ""


Event = (
    FolderListChanged
    | MessagesAdded
    | FlagsChanged
    | MessagesRemoved
    | BodiesStored
    | SyncProgress
    | SyncFinished
    | SyncFailed
    | OnlineStateChanged
)
