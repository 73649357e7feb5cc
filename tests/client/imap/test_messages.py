"""UID FETCH / SEARCH / STORE / COPY / MOVE / EXPUNGE and APPEND with exact client bytes."""

from __future__ import annotations

import pytest

from kittiwake.client.imap.client import ImapClient
from kittiwake.client.imap.encode import string
from kittiwake.client.imap.messages import AppendUid, CopyUid
from kittiwake.client.imap.responses import Expunge, Untagged
from kittiwake.client.net.errors import CommandFailed
from tests.client.imap.scripts import connect, greet_and_login
from tests.servers.scripted import ScriptedPeer, ScriptedServer


def serving(exchange: list[tuple[bytes, bytes]], caps: bytes | None = None) -> ScriptedServer:
    async def script(peer: ScriptedPeer) -> None:
        if caps is None:
            await greet_and_login(peer)
        else:
            await greet_and_login(peer, caps)
        for expected, answer in exchange:
            line = b"".join([await peer.readline() for _ in range(expected.count(b"\n"))])
            assert line == expected, (line, expected)
            await peer.send(answer)

    return ScriptedServer(script, tls="valid")


async def test_fetch_changedsince_vanished() -> None:
    async with serving(
        [
            (
                b"A2 UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n",
                b"* VANISHED (EARLIER) 300:302\r\n"
                b"* 4 FETCH (UID 8 FLAGS (\\Seen) MODSEQ (12350))\r\nA2 OK\r\n",
            )
        ]
    ) as server:
        client = await connect(server)
        result = await client.uid_fetch("1:*", "UID FLAGS", changed_since=12345, vanished=True)
        await server.wait_closed()
        await client.close()
    server.raise_errors()
    assert result.vanished == [300, 301, 302]
    (item,) = result.messages
    assert (item.uid, item.modseq, item.flags) == (8, 12350, ("\\Seen",))


async def test_search_with_a_typed_string_adds_charset() -> None:
    async with serving(
        [
            (b"A2 UID SEARCH UNSEEN\r\n", b"* SEARCH 3 5\r\nA2 OK\r\n"),
            (
                b"A3 UID SEARCH CHARSET UTF-8 SUBJECT {6+}\r\n" + "größ".encode() + b"\r\n",
                b"* SEARCH\r\nA3 OK\r\n",
            ),
        ]
    ) as server:
        client = await connect(server)
        assert (await client.uid_search("UNSEEN")).numbers == (3, 5)
        assert (await client.uid_search("SUBJECT", string("größ"))).numbers == ()
        await server.wait_closed()
        await client.close()
    server.raise_errors()


async def test_store_unchangedsince_reports_conflicts() -> None:
    async with serving(
        [
            (
                b"A2 UID STORE 1:3,7 (UNCHANGEDSINCE 200) +FLAGS.SILENT (\\Seen)\r\n",
                b"* 1 FETCH (UID 1 MODSEQ (201))\r\n"
                b"A2 OK [MODIFIED 7] Conditional STORE failed\r\n",
            )
        ]
    ) as server:
        client = await connect(server)
        result = await client.uid_store(
            [1, 2, 3, 7], "+FLAGS", ["\\Seen"], unchanged_since=200, silent=True
        )
        await server.wait_closed()
        await client.close()
    assert result.modified == [7] and result.updated[0].modseq == 201


async def test_copy_and_move_return_copyuid_and_expunges_reach_the_handler() -> None:
    events: list[Untagged] = []
    async with serving(
        [
            (b'A2 UID COPY 4 "Archive"\r\n', b"A2 OK [COPYUID 38505 4 3956] Done\r\n"),
            (
                b'A3 UID MOVE 5:6 "Trash"\r\n',
                b"* OK [COPYUID 432432 5:6 10:11] Moved\r\n* 2 EXPUNGE\r\n* 2 EXPUNGE\r\nA3 OK\r\n",
            ),
            (b"A4 UID EXPUNGE 9\r\n", b"* 3 EXPUNGE\r\nA4 OK\r\n"),
        ]
    ) as server:
        client = await connect(server, on_unsolicited=events.append)
        assert await client.uid_copy([4], "Archive") == CopyUid(38505, [4], [3956])
        moved = await client.uid_move("5:6", "Trash")
        assert moved is not None and moved.mapping() == {5: 10, 6: 11}
        await client.uid_expunge([9])
        await server.wait_closed()
        await client.close()
    server.raise_errors()
    assert events == [Expunge(2), Expunge(2), Expunge(3)]


async def test_move_without_move_capability_falls_back_to_copy_store_expunge() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n")
        await peer.expect(b"A1 AUTHENTICATE")
        await peer.send(b"A1 OK [CAPABILITY IMAP4rev1 UIDPLUS] in\r\n")
        for tag, line in [
            (b"A2", b'A2 UID COPY 5 "Trash"\r\n'),
            (b"A3", b"A3 UID STORE 5 +FLAGS.SILENT (\\Deleted)\r\n"),
            (b"A4", b"A4 UID EXPUNGE 5\r\n"),
        ]:
            assert await peer.readline() == line
            await peer.send(tag + (b" OK [COPYUID 1 5 77]\r\n" if tag == b"A2" else b" OK\r\n"))

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        assert await client.uid_move([5], "Trash") == CopyUid(1, [5], [77])
        await server.wait_closed()
        await client.close()
    server.raise_errors()


async def test_uid_expunge_needs_uidplus() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n")
        await peer.expect(b"A1 AUTHENTICATE")
        await peer.send(b"A1 OK [CAPABILITY IMAP4rev1] in\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        with pytest.raises(CommandFailed):
            await client.uid_expunge([1])
        await client.close()
    assert server.received.count(b"\r\n") == 1  # nothing after AUTHENTICATE


async def test_append_with_synchronizing_literal_returns_appenduid() -> None:
    message = b"From: a@b\r\nSubject: x\r\n\r\nbody\r\n"

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n")
        await peer.expect(b"A1 AUTHENTICATE")
        await peer.send(b"A1 OK [CAPABILITY IMAP4rev1 UIDPLUS] in\r\n")
        await peer.expect(
            b'A2 APPEND "Sent" (\\Seen) "01-Jan-2024 10:00:00 +0000" {%d}\r\n' % len(message)
        )
        await peer.send(b"+ OK\r\n")
        assert await peer.readexactly(len(message) + 2) == message + b"\r\n"
        await peer.send(b"A2 OK [APPENDUID 38505 3955] Append completed.\r\n")

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        uid = await client.append(
            "Sent", message, flags=["\\Seen"], internaldate="01-Jan-2024 10:00:00 +0000"
        )
        await server.wait_closed()
        await client.close()
    server.raise_errors()
    assert uid == AppendUid(38505, 3955)


async def test_append_refused_literal_ends_with_the_servers_no() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n")
        await peer.expect(b"A1 AUTHENTICATE")
        await peer.send(b"A1 OK [CAPABILITY IMAP4rev1] in\r\n")
        await peer.expect(b"A2 APPEND")
        await peer.send(b"A2 NO [OVERQUOTA] Quota exceeded\r\n")
        await peer.expect(b"A3 NOOP")
        await peer.send(b"A3 OK\r\n")

    async with ScriptedServer(script, tls="valid") as server:
        client: ImapClient = await connect(server)
        with pytest.raises(CommandFailed, match="Quota exceeded"):
            await client.append("INBOX", b"x" * 100)
        await client.noop()
        await server.wait_closed()
        await client.close()
    server.raise_errors()
    assert b"xxxx" not in server.received


async def test_large_append_is_uploaded_in_pieces_byte_exact() -> None:
    message = b"Subject: big\r\n\r\n" + bytes(range(256)) * (24 << 12)  # about 24 MiB

    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)  # LITERAL+: no continuation needed
        await peer.expect(b'A2 APPEND "INBOX" {%d+}\r\n' % len(message))
        assert await peer.readexactly(len(message)) == message
        await peer.expect(b"\r\n")
        await peer.send(b"A2 OK [APPENDUID 1 2] Append completed.\r\n")

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        assert await client.append("INBOX", message) == AppendUid(1, 2)
        await server.wait_closed()
        await client.close()
    server.raise_errors()
