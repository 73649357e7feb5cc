"""The IMAP client the sync engine uses: one object, one connection.

    client = await ImapClient.connect(endpoint, credentials, on_unsolicited=handler)
    box = await client.select("INBOX", condstore=True)
    await client.uid_fetch("1:*", ["UID", "FLAGS", "BODY.PEEK[HEADER]"], on_message=store)
    await client.logout()

Everything is built on session.ImapSession (reader task, command execution); the commands are
grouped by concern in opening.py (connect, STARTTLS, greeting), login.py, mailboxes.py,
messages.py and idle.py.
"""

from __future__ import annotations

from kittiwake.client.imap.idle import IdleCommands
from kittiwake.client.imap.login import LoginCommands
from kittiwake.client.imap.mailboxes import MailboxCommands
from kittiwake.client.imap.messages import MessageCommands
from kittiwake.client.imap.opening import open_session
from kittiwake.client.imap.session import AlertHandler, UnsolicitedHandler
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint


class ImapClient(LoginCommands, MailboxCommands, MessageCommands, IdleCommands):
    @classmethod
    async def connect(
        cls,
        endpoint: Endpoint,
        credentials: Credentials | None = None,
        *,
        on_unsolicited: UnsolicitedHandler | None = None,
        on_alert: AlertHandler | None = None,
    ) -> ImapClient:
        """Open (TLS or STARTTLS), read capabilities, and log in when credentials are given."""
        session = await open_session(
            endpoint, on_unsolicited=on_unsolicited, on_alert=on_alert, session_class=cls
        )
        assert isinstance(session, ImapClient)
        if credentials is not None:
            try:
                await session.login(credentials)
            except BaseException:
                await session.close()
                raise
        return session
