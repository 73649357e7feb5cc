"""threads.py: the cache's thread ids come from the JWZ Threader, its graph kept in SQLite."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kittiwake.client.mime.threading import MessageSummary, Threader
from kittiwake.client.store import FolderInfo, MessageHeaders, Role, Store
from tests.client.store.conftest import BASE_TIME, headers


def thread_of(store: Store, folder: int, uid: int) -> int:
    row = store.messages.get(store.messages.find_uid(folder, uid) or 0)
    assert row is not None and row.thread_id is not None
    return row.thread_id


def row_id(store: Store, folder: int, uid: int) -> int:
    found = store.messages.find_uid(folder, uid)
    assert found is not None
    return found


def graph(store: Store, account: str = "work") -> dict[str, tuple[int, str, int | None]]:
    """node -> (thread id, parent, message row) as stored."""
    rows = store.db.conn.execute(
        "SELECT node, thread_id, parent, message FROM thread_nodes WHERE account = ?", (account,)
    )
    return {node: (tid, parent, message) for node, tid, parent, message in rows}


def test_replies_join_their_parent_thread(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(
        inbox,
        [
            headers(1, message_id="<root@x>"),
            headers(2, message_id="<r1@x>", in_reply_to="<root@x>", references=("<root@x>",)),
            # Only References, and its direct parent is unknown: a placeholder under the root.
            headers(3, message_id="<r2@x>", references=("<root@x>", "<missing@x>")),
            headers(4, message_id="<other@x>"),
        ],
    )
    root = thread_of(store, inbox, 1)
    assert root == row_id(store, inbox, 1)  # a thread is named by its first message's row
    assert thread_of(store, inbox, 2) == thread_of(store, inbox, 3) == root
    assert thread_of(store, inbox, 4) != root
    assert [m.uid for m in store.messages.thread(root)] == [1, 2, 3]
    nodes = graph(store)
    assert nodes["missing@x"] == (root, "root@x", None)  # placeholder, linked by References
    assert nodes["r2@x"][1] == "missing@x"


def test_late_parent_joins_its_replies_thread_without_renaming_it(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(
        inbox, [headers(5, message_id="<child@x>", in_reply_to="<parent@x>")]
    )
    tid = thread_of(store, inbox, 5)
    store.messages.upsert_headers(inbox, [headers(1, message_id="<parent@x>")])
    assert thread_of(store, inbox, 1) == thread_of(store, inbox, 5) == tid
    assert graph(store)["parent@x"] == (tid, "", row_id(store, inbox, 1))


def test_late_parent_merges_threads_and_rekeys_rows(store: Store, inbox: int) -> None:
    sent = store.folders.upsert(FolderInfo("work", "Sent", role=Role.SENT))
    # Two threads that do not know they are one: replies to <p> and to <root>...
    store.messages.upsert_headers(
        inbox,
        [
            headers(1, message_id="<a@x>", in_reply_to="<p@x>", references=("<p@x>",)),
            headers(2, message_id="<b@x>", references=("<p@x>", "<a@x>")),
        ],
    )
    store.messages.upsert_headers(sent, [headers(1, message_id="<c@x>", references=("<root@x>",))])
    big, small = thread_of(store, inbox, 1), thread_of(store, sent, 1)
    assert big != small
    # ...until <p> arrives, itself a reply to <root>: the smaller thread folds into the larger.
    store.messages.upsert_headers(inbox, [headers(3, message_id="<p@x>", references=("<root@x>",))])
    assert {thread_of(store, f, u) for f, u in [(inbox, 1), (inbox, 2), (sent, 1), (inbox, 3)]} == {
        big
    }
    assert sorted(m.uid for m in store.messages.thread(big)) == [1, 1, 2, 3]
    assert store.messages.thread(small) == []
    stored = graph(store)
    assert {tid for tid, _, _ in stored.values()} == {big}  # graph rows re-keyed too
    assert stored["p@x"][1] == "root@x" and stored["a@x"][1] == "p@x"


def test_merge_rekeys_in_the_same_transaction(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(1, message_id="<a@x>", references=("<p@x>",))])
    store.messages.upsert_headers(inbox, [headers(2, message_id="<b@x>", references=("<q@x>",))])
    before = {uid: thread_of(store, inbox, uid) for uid in (1, 2)}
    try:
        with store.transaction():
            store.messages.upsert_headers(
                inbox, [headers(3, message_id="<c@x>", references=("<p@x>", "<q@x>"))]
            )
            raise RuntimeError("crash before commit")
    except RuntimeError:
        pass
    assert {uid: thread_of(store, inbox, uid) for uid in (1, 2)} == before
    assert "c@x" not in graph(store)


def test_parent_that_never_arrives_keeps_siblings_together(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(1, message_id="<s1@x>", in_reply_to="<lost@x>")])
    store.messages.upsert_headers(
        inbox, [headers(2, message_id="<s2@x>", references=("<lost@x>",))]
    )
    tid = thread_of(store, inbox, 1)
    assert thread_of(store, inbox, 2) == tid == row_id(store, inbox, 1)
    assert graph(store)["lost@x"] == (tid, "", None)  # still a placeholder


def test_reference_loops_are_broken(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(
        inbox,
        [
            headers(1, message_id="<a@x>", references=("<b@x>",)),
            headers(2, message_id="<b@x>", references=("<a@x>",)),
            headers(3, message_id="<c@x>", references=("<a@x>", "<b@x>", "<a@x>", "<c@x>")),
            headers(4, message_id="<d@x>", references=("<d@x>",)),  # refers to itself
        ],
    )
    tid = thread_of(store, inbox, 1)
    assert thread_of(store, inbox, 2) == thread_of(store, inbox, 3) == tid
    assert thread_of(store, inbox, 4) != tid
    parents = {node: parent for node, (_, parent, _) in graph(store).items()}
    for start in parents:  # every parent chain ends at a root
        seen, node = set(), start
        while node:
            assert node not in seen, f"loop through {node}"
            seen.add(node)
            node = parents.get(node, "")


def test_subject_fallback_only_for_reference_less_replies(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(
        inbox,
        [
            headers(1, message_id="<l1@x>", subject="Lunch?"),
            headers(2, message_id="<o1@x>", subject="Other"),
        ],
    )
    store.messages.upsert_headers(
        inbox,
        [
            headers(3, message_id="<l2@x>", subject="Re: Lunch?"),  # no references: by subject
            headers(4, message_id="<l3@x>", subject="Lunch?"),  # no reply prefix: its own
            # References win over the subject.
            headers(5, message_id="<l4@x>", subject="Re: Lunch?", in_reply_to="<o1@x>"),
            # Too long after: a new conversation with an old subject.
            headers(6, message_id="<l5@x>", subject="AW: lunch?", date=BASE_TIME + 90 * 86400),
        ],
    )
    lunch = thread_of(store, inbox, 1)
    assert thread_of(store, inbox, 3) == lunch
    assert thread_of(store, inbox, 4) != lunch
    assert thread_of(store, inbox, 5) == thread_of(store, inbox, 2) != lunch
    assert thread_of(store, inbox, 6) not in (lunch, thread_of(store, inbox, 4))


def test_restart_keeps_thread_ids_and_threading_continues(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with Store.open(path) as store:
        inbox = store.folders.upsert(FolderInfo("work", "INBOX", role=Role.INBOX))
        store.messages.upsert_headers(
            inbox,
            [
                headers(1, message_id="<a@x>", references=("<p@x>",)),
                headers(2, message_id="<b@x>", references=("<q@x>",)),
                headers(3, message_id="<b2@x>", references=("<q@x>", "<b@x>")),
                headers(4, message_id="<t@x>", subject="Plans"),
            ],
        )
        before = {uid: thread_of(store, inbox, uid) for uid in (1, 2, 3, 4)}
    with Store.open(path) as store:
        assert {uid: thread_of(store, inbox, uid) for uid in (1, 2, 3, 4)} == before
        store.messages.upsert_headers(
            inbox,
            [
                headers(5, message_id="<p@x>"),  # late parent: joins, nothing renamed
                headers(6, message_id="<m@x>", references=("<p@x>", "<q@x>")),  # merges
                headers(7, message_id="<t2@x>", subject="Re: plans"),  # subject remembered
            ],
        )
        # The larger thread (b, b2 and q) survives; a's rows move to it.
        merged = before[2]
        assert [thread_of(store, inbox, uid) for uid in (1, 2, 3, 5, 6)] == [merged] * 5
        assert thread_of(store, inbox, 7) == before[4]


def test_threads_span_folders_but_not_accounts(store: Store, inbox: int) -> None:
    sent = store.folders.upsert(FolderInfo("work", "Sent", role=Role.SENT))
    other = store.folders.upsert(FolderInfo("home", "INBOX", role=Role.INBOX))
    store.messages.upsert_headers(inbox, [headers(1, message_id="<q@x>")])
    store.messages.upsert_headers(sent, [headers(1, message_id="<a@x>", in_reply_to="<q@x>")])
    store.messages.upsert_headers(other, [headers(1, message_id="<b@x>", in_reply_to="<q@x>")])
    # The same message in both accounts (a list mail, a Cc) is threaded in each separately.
    store.messages.upsert_headers(other, [headers(2, message_id="<q@x>")])
    assert thread_of(store, sent, 1) == thread_of(store, inbox, 1)
    assert thread_of(store, other, 1) == thread_of(store, other, 2) != thread_of(store, inbox, 1)
    assert graph(store, "home")["q@x"][2] == row_id(store, other, 2)
    assert graph(store, "work")["q@x"][2] == row_id(store, inbox, 1)


def test_copy_of_a_message_in_another_folder_shares_its_thread(store: Store, inbox: int) -> None:
    archive = store.folders.upsert(FolderInfo("work", "Archive", role=Role.ARCHIVE))
    store.messages.upsert_headers(inbox, [headers(1, message_id="<a@x>")])
    store.messages.upsert_headers(archive, [headers(9, message_id="<a@x>")])
    assert thread_of(store, archive, 9) == thread_of(store, inbox, 1)


def test_expunged_message_still_links_its_thread(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(
        inbox,
        [headers(1, message_id="<a@x>"), headers(2, message_id="<b@x>", references=("<a@x>",))],
    )
    tid = thread_of(store, inbox, 1)
    store.messages.expunge(inbox, [1])
    # A reply naming only the expunged message, and the message itself moved back in.
    store.messages.upsert_headers(
        inbox,
        [headers(3, message_id="<c@x>", in_reply_to="<a@x>"), headers(4, message_id="<a@x>")],
    )
    assert thread_of(store, inbox, 3) == thread_of(store, inbox, 4) == tid


def test_removing_an_account_removes_its_graph(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(1, message_id="<a@x>", subject="Hi")])
    assert graph(store)
    store.folders.remove_account("work")
    assert graph(store) == {}
    left = store.db.conn.execute("SELECT count(*) FROM thread_subjects").fetchone()[0]
    assert left == 0


def test_thread_query_uses_the_index(store: Store) -> None:
    plan = " ".join(
        str(r[-1])
        for r in store.db.conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM messages WHERE thread_id = ? ORDER BY date, id",
            (1,),
        )
    )
    assert "messages_by_thread" in plan and "TEMP B-TREE" not in plan


# --- the store threads exactly as the Threader does ------------------------------------------


@st.composite
def mailboxes(draw: st.DrawFn) -> tuple[list[MessageHeaders], int]:
    n = draw(st.integers(1, 25))
    out = []
    for i in range(n):
        refs = draw(st.lists(st.integers(0, n + 3), max_size=4))  # some never arrive
        subject = draw(st.sampled_from(["Topic", "Re: Topic", "Other", "Re: Other"]))
        out.append(
            headers(
                i + 1,
                message_id=f"<m{i}@x>" if draw(st.booleans()) or i % 5 else None,
                references=tuple(f"<m{r}@x>" for r in refs),
                subject=subject,
                date=BASE_TIME + draw(st.integers(0, 40)) * 86400,
            )
        )
    return out, draw(st.integers(1, 6))


@settings(max_examples=40, deadline=None)
@given(mailboxes())
def test_batches_in_the_cache_give_the_threaders_conversations(
    data: tuple[list[MessageHeaders], int],
) -> None:
    messages, batch = data
    with Store.open(":memory:") as store:
        inbox = store.folders.upsert(FolderInfo("work", "INBOX", role=Role.INBOX))
        for start in range(0, len(messages), batch):
            store.messages.upsert_headers(inbox, messages[start : start + batch])
        rows = store.db.conn.execute(
            "SELECT id, message_id, refs, subject, date, thread_id FROM messages ORDER BY uid"
        ).fetchall()
    # The same messages, in the order the cache saw them (each batch oldest first), in memory.
    order = sorted(range(len(rows)), key=lambda i: (i // batch, rows[i][4], rows[i][0]))
    threader = Threader()
    for i in order:
        id_, mid, refs, subject, date, _ = rows[i]
        threader.add(MessageSummary(str(id_), mid, None, tuple(refs.split()), subject, date))
    assert [threader.thread_of(str(r[0])) for r in rows] == [str(r[5]) for r in rows]


def test_refetched_folder_gets_its_old_thread_ids_back(store: Store, inbox: int) -> None:
    # A UIDVALIDITY reset drops a folder's rows and fetches them again under new row ids: the
    # graph still knows the Message-IDs, so the conversations keep their ids.
    mail = [
        headers(1, message_id="<a@x>"),
        headers(2, message_id="<b@x>", references=("<a@x>",)),
        headers(3, message_id="<c@x>", subject="Alone"),
    ]
    store.messages.upsert_headers(inbox, mail)
    before = [thread_of(store, inbox, uid) for uid in (1, 2, 3)]
    store.messages.expunge(inbox, [1, 2, 3])
    store.messages.upsert_headers(inbox, mail)
    assert [thread_of(store, inbox, uid) for uid in (1, 2, 3)] == before
    assert row_id(store, inbox, 1) != before[0]  # new rows, old thread ids
