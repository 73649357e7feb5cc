"""threading.py: incremental JWZ threading, stable ids, merges, subject fallback."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kittiwake.client.mime.threading import (
    MessageSummary,
    Threader,
    ThreadNode,
    parse_references,
)

DAY = 86400.0


def msg(
    key: str,
    refs: tuple[str, ...] = (),
    *,
    irt: str | None = None,
    subject: str = "",
    date: float = 0.0,
    mid: str | None = "",
) -> MessageSummary:
    message_id = f"<{key}@x>" if mid == "" else mid
    return MessageSummary(
        key=key,
        message_id=message_id,
        in_reply_to=irt,
        references=tuple(f"<{r}@x>" for r in refs),
        subject=subject,
        date=date,
    )


def shape(nodes: tuple[ThreadNode, ...]) -> list[object]:
    return [(n.key, shape(n.children)) if n.children else n.key for n in nodes]


def test_chain_in_order() -> None:
    t = Threader()
    a = t.add(msg("a", date=1)).thread_id
    assert t.add(msg("b", ("a",), date=2)).thread_id == a
    assert t.add(msg("c", ("a", "b"), date=3)).thread_id == a
    assert shape(t.tree(a)) == [("a", [("b", ["c"])])]
    assert t.thread_keys(a) == ["a", "b", "c"]


def test_late_parent_keeps_the_thread_id() -> None:
    t = Threader()
    tid = t.add(msg("c", ("a", "b"), date=3)).thread_id
    assert t.add(msg("b", ("a",), date=2)) == (tid, ())
    assert t.add(msg("a", date=1)) == (tid, ())
    assert shape(t.tree(tid)) == [("a", [("b", ["c"])])]
    assert len(t) == 1


def test_parent_that_never_arrives_leaves_siblings_together() -> None:
    t = Threader()
    tid = t.add(msg("b1", ("lost",), date=2)).thread_id
    assert t.add(msg("b2", ("lost",), date=1)).thread_id == tid
    assert shape(t.tree(tid)) == ["b2", "b1"]  # placeholder pruned, oldest first


def test_in_reply_to_alone_links() -> None:
    t = Threader()
    tid = t.add(msg("a")).thread_id
    assert t.add(msg("b", irt="<a@x>")).thread_id == tid


def test_merge_is_reported() -> None:
    t = Threader()
    ta = t.add(msg("a1", ("x",))).thread_id
    t.add(msg("a2", ("x",)))
    tb = t.add(msg("b1", ("y",))).thread_id
    assert ta != tb and len(t) == 2
    added = t.add(msg("c", ("x", "y")))
    assert added.thread_id == ta  # the larger thread survives
    assert [(m.absorbed, m.into) for m in added.merges] == [(tb, ta)]
    assert t.thread_of("b1") == ta and len(t) == 1
    assert sorted(t.thread_keys(ta)) == ["a1", "a2", "b1", "c"]


def test_subject_is_only_a_fallback() -> None:
    t = Threader()
    tid = t.add(msg("a", subject="Lunch?", date=0)).thread_id
    assert t.add(msg("b", subject="Re: Lunch?", date=3600)).thread_id == tid
    assert t.add(msg("c", subject="AW: [team] lunch?", date=7200)).thread_id == tid
    assert t.add(msg("d", subject="Lunch?", date=7200)).thread_id != tid  # not a reply
    assert t.add(msg("e", subject="Re: Lunch?", date=90 * DAY)).thread_id != tid  # too late
    other = t.add(msg("f", subject="Something else")).thread_id
    assert t.add(msg("g", ("f",), subject="Re: Lunch?")).thread_id == other  # refs win


def test_reference_loops_terminate() -> None:
    t = Threader()
    tid = t.add(msg("a", ("b",))).thread_id
    assert t.add(msg("b", ("a",))).thread_id == tid
    t.add(msg("c", ("a", "b", "a", "c")))
    keys = []

    def walk(nodes: tuple[ThreadNode, ...]) -> None:
        for n in nodes:
            keys.append(n.key)
            walk(n.children)

    walk(t.tree(tid))
    assert sorted(keys) == ["a", "b", "c"]


def test_duplicates_and_missing_ids() -> None:
    t = Threader()
    tid = t.add(msg("a")).thread_id
    assert t.add(MessageSummary("a-copy", "<a@x>")).thread_id == tid  # Sent + Inbox copies
    assert t.add(msg("a")).thread_id == tid  # re-sync of the same key
    n1 = t.add(msg("n1", mid=None, subject="x")).thread_id
    n2 = t.add(msg("n2", mid=None, subject="x")).thread_id
    assert n1 != n2 and t.thread_of("a-copy") == tid
    assert t.thread_of("unknown") is None


def test_deep_thread_tree_does_not_recurse() -> None:
    t = Threader()
    tid = t.add(msg("m0")).thread_id
    for i in range(1, 5000):
        t.add(msg(f"m{i}", (f"m{i - 1}",), date=i))
    node = t.tree(tid)[0]
    depth = 1
    while node.children:
        node = node.children[0]
        depth += 1
    assert depth == 5000


def test_parse_references() -> None:
    assert parse_references("<a@x> <b@y>\r\n <c@z>") == ("a@x", "b@y", "c@z")
    assert parse_references("garbage") == ()


# --- properties: arrival order changes ids, never the conversations ------------------------


@st.composite
def forests(draw: st.DrawFn) -> tuple[list[MessageSummary], list[int]]:
    n = draw(st.integers(1, 40))
    parents = [draw(st.integers(-1, i - 1)) if i else -1 for i in range(n)]
    lost = draw(st.sets(st.integers(0, n - 1), max_size=n // 4))
    summaries = []
    for i in range(n):
        chain, p = [], parents[i]
        while p >= 0:
            chain.append(f"m{p}")
            p = parents[p]
        trim = draw(st.integers(0, 3))  # clients trim References; sometimes to one
        refs = tuple(reversed(chain))[-trim:] if trim and chain else tuple(reversed(chain))
        summaries.append(msg(f"m{i}", refs, date=float(i)))
    order = draw(st.permutations([i for i in range(n) if i not in lost]))
    return summaries, order


def partition(t: Threader) -> set[frozenset[str]]:
    return {frozenset(t.thread_keys(tid)) for tid in t.thread_ids()}


@settings(max_examples=200, deadline=None)
@given(forests())
def test_any_arrival_order_gives_the_same_conversations(
    data: tuple[list[MessageSummary], list[int]],
) -> None:
    summaries, order = data
    in_order = Threader()
    for i in sorted(order):
        in_order.add(summaries[i])
    shuffled = Threader()
    for i in order:
        shuffled.add(summaries[i])
    assert partition(in_order) == partition(shuffled)


@settings(max_examples=200, deadline=None)
@given(forests())
def test_thread_ids_change_only_through_reported_merges(
    data: tuple[list[MessageSummary], list[int]],
) -> None:
    summaries, order = data
    t = Threader()
    seen: dict[str, str] = {}
    for i in order:
        added = t.add(summaries[i])
        for merge in added.merges:
            for key, tid in seen.items():
                if tid == merge.absorbed:
                    seen[key] = merge.into
        seen[summaries[i].key] = added.thread_id
    assert seen == {key: t.thread_of(key) for key in seen}


def _tree_keys(nodes: tuple[ThreadNode, ...]) -> list[str]:
    out, stack = [], list(nodes)
    while stack:
        n = stack.pop()
        out.append(n.key)
        stack.extend(n.children)
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 15), st.lists(st.integers(0, 15), max_size=5)),
        max_size=30,
    )
)
def test_arbitrary_references_even_cyclic_keep_every_message_once(
    messages: list[tuple[int, list[int]]],
) -> None:
    t = Threader()
    for i, (mid, refs) in enumerate(messages):
        t.add(MessageSummary(f"k{i}", f"<m{mid}@x>", references=tuple(f"<m{r}@x>" for r in refs)))
    for tid in t.thread_ids():
        keys = _tree_keys(t.tree(tid))
        assert sorted(keys) == sorted(t.thread_keys(tid))
        assert len(keys) == len(set(keys))


def test_remove_keeps_the_thread_for_the_replies() -> None:
    t = Threader()
    tid = t.add(msg("a")).thread_id
    t.add(msg("b", ("a",)))
    assert t.remove("a") == tid
    assert t.thread_of("a") is None and t.thread_of("b") == tid
    assert shape(t.tree(tid)) == ["b"]
    assert t.add(msg("c", ("a",))).thread_id == tid  # still found through the placeholder
    assert t.remove("b") == tid and t.remove("c") == tid
    assert len(t) == 0 and t.remove("c") is None
    assert t.add(msg("d", ("a",))).thread_id == "d"  # a fresh thread (its key) once all were gone


def test_remove_one_copy_of_a_duplicated_message() -> None:
    t = Threader()
    tid = t.add(msg("a")).thread_id
    t.add(MessageSummary("a-copy", "<a@x>"))
    assert t.remove("a") == tid
    assert t.thread_of("a-copy") == tid and t.thread_keys(tid) == ["a-copy"]
    t.remove("a-copy")
    assert len(t) == 0


# --- saving and restoring: what the cache does between batches and across restarts ----------


@settings(max_examples=200, deadline=None)
@given(forests(), st.integers(0, 40))
def test_restoring_saved_state_continues_with_the_same_ids(
    data: tuple[list[MessageSummary], list[int]], cut: int
) -> None:
    summaries, order = data
    subjects = ["Topic", "Re: Topic", "Other", "Re: Other"]
    with_subjects = [
        MessageSummary(s.key, s.message_id, None, s.references, subjects[i % 4], s.date)
        for i, s in enumerate(summaries)
    ]
    straight = Threader()
    expected = [straight.add(with_subjects[i]).thread_id for i in order]
    first = Threader()
    got = [first.add(with_subjects[i]).thread_id for i in order[:cut]]
    second = Threader()
    second.restore(first.nodes(), first.subjects())  # e.g. written to SQLite and read back
    got += [second.add(with_subjects[i]).thread_id for i in order[cut:]]
    assert got == expected


def test_restore_needs_only_the_touched_threads() -> None:
    full = Threader()
    for m in [msg("a"), msg("b", ("a",)), msg("x"), msg("y", ("x",))]:
        full.add(m)
    part = Threader()
    part.restore(n for n in full.nodes() if n.thread_id == full.thread_of("a"))
    assert part.add(msg("c", ("a", "b"))).thread_id == full.thread_of("a")
    assert sorted(part.thread_keys("a")) == ["a", "b", "c"]
    (node,) = [n for n in part.nodes() if n.node == "c@x"]
    assert (node.parent, node.key) == ("b@x", "c")
    placeholder = Threader()
    placeholder.add(msg("r", ("lost",)))
    assert next(n for n in placeholder.nodes() if n.node == "lost@x").key is None


def test_message_without_id_never_collides_with_one() -> None:
    t = Threader()
    a = t.add(MessageSummary("k1", None, subject="x")).thread_id
    b = t.add(MessageSummary("k2", "< k1>", subject="y")).thread_id  # odd but real ids
    assert a != b
