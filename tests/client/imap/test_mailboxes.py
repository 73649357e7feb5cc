"""LIST / STATUS / CREATE... / SELECT / ENABLE / ID with exact client bytes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from kittiwake.client.imap.client import ImapClient
from kittiwake.client.imap.mailboxes import Qresync
from tests.client.imap.scripts import PLAIN_JOE, connect, greet_and_login
from tests.servers.scripted import ScriptedPeer, ScriptedServer

Exchange = list[tuple[bytes, bytes]]


async def converse(exchange: Exchange, action: Callable[[ImapClient], Awaitable[object]]) -> object:
    """Log in, then for each (client line, server answer) check the line and answer."""

    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        for expected, answer in exchange:
            line = b"".join([await peer.readline() for _ in range(expected.count(b"\n"))])
            assert line == expected, (line, expected)
            await peer.send(answer)

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        result = await action(client)
        await server.wait_closed()
        await client.close()
    server.raise_errors()
    assert server.received.startswith(b"A1 AUTHENTICATE PLAIN " + PLAIN_JOE)
    return result


async def test_list_with_special_use_and_status_in_one_round_trip() -> None:
    folders = await converse(
        [
            (
                b'A2 LIST "" "*" RETURN (SPECIAL-USE STATUS (MESSAGES UIDNEXT))\r\n',
                b'* LIST (\\HasNoChildren) "/" INBOX\r\n'
                b"* STATUS INBOX (MESSAGES 3 UIDNEXT 9)\r\n"
                b'* LIST (\\HasNoChildren \\Sent) "/" "Gesendete Objekte"\r\n'
                b'* STATUS "Gesendete Objekte" (MESSAGES 0 UIDNEXT 1)\r\n'
                b'* LIST (\\Noselect \\HasChildren) "/" "&ZeVnLIqe-"\r\n'
                b"A2 OK List completed.\r\n",
            )
        ],
        lambda c: c.list(status=["MESSAGES", "UIDNEXT"]),
    )
    assert isinstance(folders, list)
    inbox, sent, japanese = folders
    assert inbox.name == "INBOX" and inbox.status == {"MESSAGES": 3, "UIDNEXT": 9}
    assert sent.special_use == "\\Sent" and sent.status == {"MESSAGES": 0, "UIDNEXT": 1}
    assert japanese.name == "日本語" and japanese.status is None and japanese.has("\\noselect")


async def test_create_rename_delete_subscribe_quote_and_encode_names() -> None:
    async def action(client: ImapClient) -> None:
        await client.create("Entwürfe")
        await client.rename("Entwürfe", 'A "quoted" name')
        await client.subscribe('A "quoted" name')
        await client.unsubscribe(b"Raw&-Name")
        await client.delete("Tom & Jerry")

    await converse(
        [
            (b'A2 CREATE "Entw&APw-rfe"\r\n', b"A2 OK\r\n"),
            (b'A3 RENAME "Entw&APw-rfe" "A \\"quoted\\" name"\r\n', b"A3 OK\r\n"),
            (b'A4 SUBSCRIBE "A \\"quoted\\" name"\r\n', b"A4 OK\r\n"),
            (b'A5 UNSUBSCRIBE "Raw&-Name"\r\n', b"A5 OK\r\n"),
            (b'A6 DELETE "Tom &- Jerry"\r\n', b"A6 OK\r\n"),
        ],
        action,
    )


async def test_select_with_condstore() -> None:
    box = await converse(
        [
            (
                b'A2 SELECT "INBOX" (CONDSTORE)\r\n',
                b"* FLAGS (\\Answered \\Seen $Junk)\r\n"
                b"* OK [PERMANENTFLAGS (\\Answered \\Seen $Junk \\*)] Flags permitted.\r\n"
                b"* 17 EXISTS\r\n* 0 RECENT\r\n"
                b"* OK [UIDVALIDITY 1700000000] UIDs valid\r\n"
                b"* OK [UIDNEXT 42] Predicted next UID\r\n"
                b"* OK [HIGHESTMODSEQ 123456] Highest\r\n"
                b"A2 OK [READ-WRITE] Select completed.\r\n",
            )
        ],
        lambda c: c.select("INBOX", condstore=True),
    )
    assert box.exists == 17 and box.uidvalidity == 1700000000  # type: ignore[attr-defined]
    assert box.uidnext == 42 and box.highestmodseq == 123456  # type: ignore[attr-defined]
    assert box.flags == ("\\Answered", "\\Seen", "$Junk")  # type: ignore[attr-defined]
    assert "\\*" in box.permanent_flags and not box.readonly  # type: ignore[attr-defined]


async def test_examine_with_qresync_enables_it_and_collects_changes() -> None:
    box = await converse(
        [
            (b"A2 ENABLE QRESYNC\r\n", b"* ENABLED QRESYNC\r\nA2 OK Enabled.\r\n"),
            (
                b'A3 EXAMINE "INBOX" (QRESYNC (67890007 20050715194045000 41:211))\r\n',
                b"* 314 EXISTS\r\n* OK [UIDVALIDITY 67890007] x\r\n"
                b"* OK [HIGHESTMODSEQ 20050715194045319] x\r\n"
                b"* VANISHED (EARLIER) 41,43:45\r\n"
                b"* 49 FETCH (UID 117 FLAGS (\\Seen) MODSEQ (20050715194045200))\r\n"
                b"A3 OK [READ-ONLY] Examine completed.\r\n",
            ),
        ],
        lambda c: c.select(
            "INBOX", readonly=True, qresync=Qresync(67890007, 20050715194045000, "41:211")
        ),
    )
    assert box.readonly and box.vanished == [41, 43, 44, 45]  # type: ignore[attr-defined]
    (changed,) = box.changed  # type: ignore[attr-defined]
    assert changed.uid == 117 and changed.modseq == 20050715194045200


async def test_status_enable_id() -> None:
    async def action(client: ImapClient) -> object:
        status = await client.status("INBOX", ["MESSAGES", "UNSEEN"])
        enabled = await client.enable("CONDSTORE")
        server_id = await client.id({"name": "Kittiwake", "version": "0.1"})
        return status, enabled, server_id

    result = await converse(
        [
            (
                b'A2 STATUS "INBOX" (MESSAGES UNSEEN)\r\n',
                b'* STATUS "INBOX" (MESSAGES 5 UNSEEN 2)\r\nA2 OK\r\n',
            ),
            (b"A3 ENABLE CONDSTORE\r\n", b"* ENABLED CONDSTORE\r\nA3 OK\r\n"),
            (
                b'A4 ID ("name" "Kittiwake" "version" "0.1")\r\n',
                b'* ID ("name" "Dovecot")\r\nA4 OK\r\n',
            ),
        ],
        action,
    )
    assert result == ({"MESSAGES": 5, "UNSEEN": 2}, frozenset({"CONDSTORE"}), {"name": "Dovecot"})
