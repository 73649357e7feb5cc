"""Opening the composer the ways the app needs: new, reply, reply to all, forward, a mailto:
link, or a saved draft. The main window's `sig_compose_requested(kind, message_id)` connects to
`open_composer`; each returns the window (not shown yet) or raises a KittiwakeError that says
why (no account, the message's text not downloaded yet).

    window = open_composer(engine, "reply_all", message_id, settings=settings)
    window.show()
"""

from __future__ import annotations

from typing import Any

from kittiwake.client.accounts.model import Account
from kittiwake.client.engine import Engine
from kittiwake.client.mime.compose import Draft, new_draft
from kittiwake.client.mime.forward import ForwardMode, forward
from kittiwake.client.mime.mailto import draft_from_mailto
from kittiwake.client.mime.reply import ReplyMode, reply
from kittiwake.client.net.errors import CommandFailed, ConfigError
from kittiwake.client.settings import Settings
from kittiwake.ui.windows.composer.reopen import draft_from_raw
from kittiwake.ui.windows.composer.window import ComposerWindow

KINDS = ("new", "reply", "reply_all", "reply_list", "forward", "forward_attached")


def _first_account(engine: Engine) -> Account:
    accounts = [a for a in engine.accounts() if a.identities]
    if not accounts:
        raise ConfigError("There is no account to send from.", "Add an account first.")
    return accounts[0]


def _owner(engine: Engine, store_account: str) -> Account:
    """The account a message's folder belongs to: imported mail (`work@local`) answers from
    the account it was imported into, or the first account if that one was removed."""
    from kittiwake.client.importexport import is_local_account, owner_account

    if not is_local_account(store_account):
        return engine.account(store_account)
    owner = owner_account(store_account)
    for account in engine.accounts():
        if account.id == owner:
            return account
    return _first_account(engine)


def _draft_for(engine: Engine, kind: str, message_id: int) -> tuple[str, Draft]:
    if kind == "new" or not message_id:
        account = _first_account(engine)
        return account.id, new_draft(account.identities[0])
    summary = engine.message(message_id)
    folder = None if summary is None else engine.folder_by_id(summary.folder_id)
    raw = engine.raw_message(message_id)
    if folder is None or raw is None:
        raise CommandFailed(
            "The message's text is not on this computer yet.",
            "Connect to download it, then try again.",
        )
    account = _owner(engine, folder.account)
    # The message's own account first, so the reply goes out from where it came in.
    identities = list(account.identities) or list(_first_account(engine).identities)
    if kind.startswith("reply"):
        mode = {"reply": ReplyMode.SENDER, "reply_all": ReplyMode.ALL}.get(kind, ReplyMode.LIST)
        return account.id, reply(raw, identities, mode)
    mode_f = ForwardMode.ATTACHMENT if kind == "forward_attached" else ForwardMode.INLINE
    return account.id, forward(raw, identities, mode_f)


def open_composer(
    engine: Engine, kind: str, message_id: int = 0, *, settings: Settings | None = None, **kw: Any
) -> ComposerWindow:
    if kind not in KINDS:
        raise ValueError(f"Unknown kind of message to write: {kind!r}")
    account, draft = _draft_for(engine, kind, message_id)
    return ComposerWindow(engine, account, draft, settings=settings, **kw)


def open_mailto(
    engine: Engine, url: str, *, settings: Settings | None = None, **kw: Any
) -> ComposerWindow:
    """A composer filled from a mailto: link (only the fields a link may set; mailto.py)."""
    account = _first_account(engine)
    draft = draft_from_mailto(url, account.identities[0])
    return ComposerWindow(engine, account.id, draft, settings=settings, **kw)


def open_saved_draft(
    engine: Engine, account: str, message_id: str, *, settings: Settings | None = None, **kw: Any
) -> ComposerWindow:
    """Reopen a draft saved locally (after an undo, a crash, or from the Drafts list)."""
    raw = engine.draft_message(account, message_id)
    if raw is None:
        raise CommandFailed("That draft is no longer saved.", "It may have been sent or deleted.")
    chosen = engine.account(account)
    draft = draft_from_raw(raw, chosen.identities)
    return ComposerWindow(engine, chosen.id, draft, settings=settings, **kw)
