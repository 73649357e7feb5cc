"""Conversations: JWZ threading (https://www.jwz.org/doc/threading.html), one message at a time.

The classic algorithm runs over a whole folder; a mail client receives messages one by one and
must not renumber its conversations each time. So this is JWZ's container graph kept alive
between messages:

- every Message-ID seen (a message's own, or one it refers to) is a node; a node without a
  message yet is a placeholder for a parent that has not arrived (or never will);
- References (else In-Reply-To) give the parent chain: links between references are only added,
  never moved, and a message's own last reference is its parent unless that makes a loop;
- a thread is the set of connected nodes. Its id is the caller's key of the message that
  started it and never changes while the thread only grows (a late parent is already a
  placeholder in it). When one message connects two threads, the smaller is folded into the
  larger and the `Merge` is reported, so the cache can re-key its rows;
- subject grouping is only a fallback, as JWZ advises: a message with no reference at all whose
  subject carries a reply prefix ("Re:", "Aw:", ...) joins the thread of the same base subject
  seen within `SUBJECT_WINDOW` seconds.

Membership is kept as explicit lists, relabelled smaller-into-larger on a merge, so lookups are
one dict access and all merges together cost O(n log n).

The graph can be saved and partly restored (`nodes()`, `subjects()`, `restore()`): the cache
(client/store/threads.py) keeps it in SQLite and, for each batch of new messages, restores only
the threads the batch touches, threads the batch here, and writes back what changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import field
from typing import NamedTuple

from kittiwake.client.mime.subject import split_subject
from kittiwake.client.records import record

SUBJECT_WINDOW = 30 * 86400.0
_IDS = re.compile(r"<([^<>\s]+)>")


def parse_references(text: str) -> tuple[str, ...]:
    """Message ids out of a References or In-Reply-To header value (brackets stripped)."""
    return tuple(_IDS.findall(text))


def normalize_id(message_id: str | None) -> str:
    """A Message-ID as a node name: brackets and white space stripped ("" for none)."""
    return message_id.strip(_STRIP) if message_id else ""


class MessageSummary(NamedTuple):
    """What threading needs of a message. `key` is the caller's own id (e.g. a cache row).

    A NamedTuple, like the results below: the cache makes one per row it threads, and a tuple
    is made in one C call where a frozen dataclass sets each field through object.__setattr__.
    """

    key: str
    message_id: str | None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    subject: str = ""
    date: float = 0.0  # seconds since the epoch


class Merge(NamedTuple):
    absorbed: str  # a thread id that no longer exists...
    into: str  # ...because all its messages now belong to this one


class Added(NamedTuple):
    thread_id: str
    merges: tuple[Merge, ...] = ()


class Node(NamedTuple):
    """One node of the graph as saved: `key` is None for a placeholder."""

    node: str
    thread_id: str
    parent: str  # "" for a root
    key: str | None


class SubjectSeen(NamedTuple):
    """The newest conversation of a base subject, for reference-less replies."""

    base: str
    node: str
    date: float


@record(slots=True)
class ThreadNode:
    """A message in a conversation tree; placeholders are pruned (their children move up)."""

    key: str
    message_id: str
    date: float
    children: tuple[ThreadNode, ...] = field(default=())


_STRIP = " \t\r\n<>"
# Added(tid) goes through a Python-level __new__; the tuple constructor is one C call.
_new = tuple.__new__
_ABSENT = MessageSummary("", None)  # "never seen" from _message.get(), unlike None (placeholder)


class Threader:
    """Incremental JWZ threading. Feed `add()` in arrival order; same order, same thread ids."""

    def __init__(self, subject_window: float = SUBJECT_WINDOW) -> None:
        self._window = subject_window
        self._parent: dict[str, str] = {}  # node -> parent node (the tree)
        self._thread: dict[str, str] = {}  # node -> thread id
        self._members: dict[str, list[str]] = {}  # thread id -> its nodes
        # node -> its message once it arrived (the summary itself: no tuple to allocate), None
        # for a placeholder: one lookup tells add() new, placeholder or seen.
        self._message: dict[str, MessageSummary | None] = {}
        self._copies: dict[str, str] = {}  # caller key -> node, for a second copy of a message
        # caller key -> node, built when asked and rebuilt when messages were added since
        self._key_index: dict[str, str] | None = None
        self._indexed = 0
        self._by_subject: dict[str, tuple[str, float]] = {}  # base subject -> (node, last date)
        self._subjects: dict[str, tuple[str, bool]] = {}  # subject -> (base, is a reply)

    def __len__(self) -> int:
        return len(self._members)

    # --- adding --------------------------------------------------------------------------

    def add(self, summary: MessageSummary) -> Added:
        """Thread one message; returns its thread id and any threads folded together."""
        # The hot path of opening a large folder: locals instead of attributes, one pass over
        # the references, no helper calls in the common cases (measured with cProfile).
        key = summary.key
        mid = summary.message_id
        node = mid.strip(_STRIP) if mid else ""
        if not node:
            # No Message-ID: a node of its own. A stripped id never starts with a space, so this
            # cannot collide with one (and unlike NUL it is plain text in SQLite).
            node = " " + key
        message = self._message
        seen = message.get(node, _ABSENT)
        if seen is not None and seen is not _ABSENT:
            # The same message again (a re-sync), or another copy of it (Sent and Inbox).
            if seen.key != key:
                self._copies[key] = node
            return _new(Added, (self._thread[node], ()))
        message[node] = summary
        refs = summary.references
        if refs and seen is _ABSENT:
            # Fast path, most replies (RFC 5322 3.6.4): References is the parent's References
            # plus the parent. The parent's add() linked all of those already, so only this
            # node is new: it joins the parent's thread, under the parent.
            thread = self._thread
            last = refs[-1].strip(_STRIP)
            p = message.get(last)
            if p is not None and p.references == refs[:-1]:
                tid = thread[last]
                thread[node] = tid
                self._members[tid].append(node)
                self._parent[node] = last
                return _new(Added, (tid, ()))
        placeholder = seen is None  # replies arrived first: the node is in their thread
        if refs:
            added = self._add_linked(node, summary, refs, placeholder)
            if added is not None:
                return added
        irt = summary.in_reply_to
        if irt:
            added = self._add_linked(node, summary, (irt,), placeholder)
            if added is not None:
                return added
        return self._add_unreferenced(node, summary, placeholder)

    def _add_linked(
        self, node: str, summary: MessageSummary, refs: tuple[str, ...], was_placeholder: bool
    ) -> Added | None:
        """Link a message under its references; None if none of them is usable."""
        thread = self._thread
        parent = self._parent
        # The threads this message touches; nearly always none or one, so no set unless needed.
        tid = thread[node] if was_placeholder else None
        more: set[str] | None = None
        new: list[str] | None = None  # references seen for the first time: placeholders
        prev = ""
        for ref in refs:
            ref = ref.strip(_STRIP)
            if not ref or ref in (node, prev):
                continue
            t = thread.get(ref)
            if t is None and (new is None or ref not in new):
                # Never seen: it has no parent and no child yet, so linking it cannot loop.
                if new is None:
                    new = [ref]
                else:
                    new.append(ref)
                if prev:
                    parent[ref] = prev
            else:
                if t is not None and t != tid:
                    if tid is None:
                        tid = t
                    else:
                        more = more or {tid}
                        more.add(t)
                # JWZ step 1: link the references in order, never re-parenting one.
                if prev and ref not in parent and not self._is_ancestor(ref, prev):
                    parent[ref] = prev
            prev = ref
        if not prev:
            return None
        merges: tuple[Merge, ...] = ()
        fresh = False
        if more:
            tid, merges = self._merge(more)
        elif tid is None:
            tid = summary.key
            self._members[tid] = []
            fresh = True
        members = self._members[tid]
        if not was_placeholder:
            thread[node] = tid
            members.append(node)
        if new is not None:
            message = self._message
            for n in new:
                thread[n] = tid
                message[n] = None
            members.extend(new)
        # A message's own References are the best word on its parent, so this one may move.
        if not was_placeholder or not self._is_ancestor(node, prev):
            parent[node] = prev
        if fresh and summary.subject:
            # A new conversation (its root still missing): reference-less replies may join it.
            self._note_subject(node, self._subject(summary.subject)[0], summary.date)
        return _new(Added, (tid, merges))

    def _add_unreferenced(self, node: str, summary: MessageSummary, placeholder: bool) -> Added:
        base, is_reply = self._subject(summary.subject)
        thread = self._thread
        if placeholder:  # a parent others were waiting for: it joins their thread
            tid = thread[node]
            self._note_subject(node, base, summary.date)
            return _new(Added, (tid, ()))
        seen = self._by_subject.get(base) if base and is_reply else None
        if seen is not None and abs(summary.date - seen[1]) <= self._window:
            joined = thread.get(seen[0])
            if joined is not None:  # (None only if that thread was removed since)
                self._parent[node] = seen[0]
                thread[node] = joined
                self._members[joined].append(node)
                self._note_subject(node, base, summary.date)
                return _new(Added, (joined, ()))
        # A conversation of its own; its subject is noted for reference-less replies to come
        # (inline _note_subject: a new thread can only take over an unknown or stale entry).
        tid = summary.key
        self._members[tid] = [node]
        thread[node] = tid
        if base:
            by_subject = self._by_subject
            seen = by_subject.get(base)
            if seen is None or abs(summary.date - seen[1]) > self._window:
                by_subject[base] = (node, summary.date)
        return _new(Added, (tid, ()))

    def _note_subject(self, node: str, base: str, date: float) -> None:
        if not base:
            return
        seen = self._by_subject.get(base)
        if seen is None or abs(date - seen[1]) > self._window:
            self._by_subject[base] = (node, date)
        elif self._thread.get(seen[0]) == self._thread[node]:
            self._by_subject[base] = (seen[0], max(seen[1], date))

    def _subject(self, subject: str) -> tuple[str, bool]:
        # Memoised only by base_subject(): threading alone asks once per conversation, and
        # caching mostly distinct subjects cost twice what it saved (measured); the cache asks
        # base_subject() for a whole batch first, then threads it.
        found = self._subjects.get(subject)
        if found is None:
            _, base, is_reply = split_subject(subject)
            return base.casefold(), is_reply
        return found

    def base_subject(self, subject: str) -> str:
        """The key subject fallback groups by ("" for none): what `restore` needs to find."""
        found = self._subjects.get(subject)
        if found is None:
            _, base, is_reply = split_subject(subject)
            found = self._subjects[subject] = (base.casefold(), is_reply)
        return found[0]

    def _merge(self, tids: set[str]) -> tuple[str, tuple[Merge, ...]]:
        members = self._members
        # The largest survives (fewest rows to re-key); ties go to the smaller id, for determinism.
        ordered = sorted(tids, key=lambda t: (-len(members[t]), t))
        into = ordered[0]
        merges = []
        thread = self._thread
        for gone in ordered[1:]:
            moved = members.pop(gone)
            for n in moved:
                thread[n] = into
            members[into].extend(moved)
            merges.append(Merge(gone, into))
        return into, tuple(merges)

    def _is_ancestor(self, candidate: str, node: str) -> bool:
        """True if `candidate` is `node` or above it (linking would close a loop)."""
        parent = self._parent
        seen = 0
        while node:
            if node == candidate:
                return True
            node = parent.get(node, "")
            seen += 1
            if seen > 100_000:  # cannot happen without a bug; refuse rather than spin
                return True
        return False

    def remove(self, key: str) -> str | None:
        """Forget a message (expunged or deleted); returns the thread it was in, if any.

        Its node stays as a placeholder, so the replies keep their thread and its id; a thread
        left with no message at all is dropped.
        """
        node = self._node_of(key)
        if node is None:
            return None
        tid = self._thread[node]
        if self._copies.pop(key, None) is None:
            copies = [k for k, n in self._copies.items() if n == node]
            first = self._message[node]
            if copies and first is not None:  # another copy remains: it stands for the node
                del self._copies[copies[0]]
                self._message[node] = first._replace(key=copies[0])
            else:
                self._message[node] = None  # a placeholder now
        self._key_index = None
        members = self._members[tid]
        if all(self._message.get(n) is None for n in members):
            for n in members:
                del self._thread[n]
                self._parent.pop(n, None)
                self._message.pop(n, None)
            del self._members[tid]
        return tid

    def add_all(self, summaries: Iterable[MessageSummary]) -> list[Added]:
        return [self.add(s) for s in summaries]

    # --- saving and restoring ------------------------------------------------------------

    def nodes(self) -> Iterator[Node]:
        """Every node, for saving. Copies of a message are not nodes: the caller knows them."""
        parent = self._parent
        message = self._message
        for n, tid in self._thread.items():
            m = message.get(n)
            yield _new(Node, (n, tid, parent.get(n, ""), None if m is None else m.key))

    def subjects(self) -> Iterator[SubjectSeen]:
        for base, (node, date) in self._by_subject.items():
            yield SubjectSeen(base, node, date)

    def restore(self, nodes: Iterable[Node], subjects: Iterable[SubjectSeen] = ()) -> None:
        """Load saved state into an empty Threader.

        A part of the graph is enough as long as it holds WHOLE threads: every node of every
        thread that later `add()` calls touch, and of every thread a restored subject points to
        (parent links and merges stay inside a thread, so nothing else is ever looked at).
        Restored messages have no date (their trees sort as if dated 0).
        """
        thread, parent, members, message = self._thread, self._parent, self._members, self._message
        for n in nodes:
            thread[n.node] = n.thread_id
            members.setdefault(n.thread_id, []).append(n.node)
            if n.parent:
                parent[n.node] = n.parent
            message[n.node] = (
                None if n.key is None else _new(MessageSummary, (n.key, n.node, None, (), "", 0.0))
            )
        for s in subjects:
            if s.node in thread:
                self._by_subject[s.base] = (s.node, s.date)
        self._key_index = None

    # --- reading -------------------------------------------------------------------------

    def _node_of(self, key: str) -> str | None:
        # Built on first use, not kept up to date by add(): one dict write less per message.
        if self._key_index is None or self._indexed != len(self._message) + len(self._copies):
            self._key_index = {s.key: n for n, s in self._message.items() if s is not None}
            self._indexed = len(self._message) + len(self._copies)
        return self._key_index.get(key) or self._copies.get(key)

    def thread_of(self, key: str) -> str | None:
        """The thread of a message by the caller's key."""
        node = self._node_of(key)
        return self._thread.get(node) if node is not None else None

    def thread_ids(self) -> list[str]:
        return list(self._members)

    def thread_keys(self, thread_id: str) -> list[str]:
        """The caller keys of the messages in a thread (placeholders left out)."""
        out = []
        for n in self._members.get(thread_id, ()):
            m = self._message.get(n)
            if m is not None:
                out.append(m.key)
        return out

    def tree(self, thread_id: str) -> tuple[ThreadNode, ...]:
        """The conversation as trees, oldest first; placeholders replaced by their children."""
        members = self._members.get(thread_id, [])
        children: dict[str, list[str]] = {}
        roots: list[str] = []
        for n in members:
            p = self._parent.get(n, "")
            if p and self._thread.get(p) == thread_id:
                children.setdefault(p, []).append(n)
            else:
                roots.append(n)

        # Iterative post-order: long back-and-forth threads are deeper than Python's stack.
        built: dict[str, list[ThreadNode]] = {}
        stack = [(r, False) for r in roots]
        while stack:
            n, expanded = stack.pop()
            if not expanded:
                stack.append((n, True))
                stack.extend((c, False) for c in children.get(n, ()))
                continue
            kids = [t for c in children.get(n, ()) for t in built.pop(c)]
            kids.sort(key=lambda t: t.date)
            m = self._message.get(n)
            built[n] = [ThreadNode(m.key, n, m.date, tuple(kids))] if m is not None else kids

        out = [t for r in roots for t in built.pop(r)]
        out.sort(key=lambda t: t.date)
        return tuple(out)
