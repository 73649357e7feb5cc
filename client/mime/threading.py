"""Conversations: JWZ threading (https://www.jwz.org/doc/threading.html), one message at a time.

The classic algorithm runs over a whole folder; a mail client receives messages one by one and
must not renumber its conversations each time. So this is JWZ's container graph kept alive
between messages:

- every Message-ID seen (a message's own, or one it refers to) is a node; a node without a
  message yet is a placeholder for a parent that has not arrived (or never will);
- References (else In-Reply-To) give the parent chain: links between references are only added,
  never moved, and a message's own last reference is its parent unless that makes a loop;
- a thread is the set of connected nodes. Its id is the node id of its first message and never
  changes while the thread only grows (a late parent is already a placeholder in it). When one
  message connects two threads, the smaller is folded into the larger and the `Merge` is
  reported, so the cache can re-key its rows;
- subject grouping is only a fallback, as JWZ advises: a message with no reference at all whose
  subject carries a reply prefix ("Re:", "Aw:", ...) joins the thread of the same base subject
  seen within `SUBJECT_WINDOW` seconds.

Membership is kept as explicit lists, relabelled smaller-into-larger on a merge, so lookups are
one dict access and all merges together cost O(n log n).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from kittiwake.client.mime.subject import split_subject

SUBJECT_WINDOW = 30 * 86400.0
_IDS = re.compile(r"<([^<>\s]+)>")


def parse_references(text: str) -> tuple[str, ...]:
    """Message ids out of a References or In-Reply-To header value (brackets stripped)."""
    return tuple(_IDS.findall(text))


@dataclass(frozen=True, slots=True)
class MessageSummary:
    """What threading needs of a message. `key` is the caller's own id (e.g. a cache row)."""

    key: str
    message_id: str | None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    subject: str = ""
    date: float = 0.0  # seconds since the epoch


# NamedTuples rather than frozen dataclasses: one is made per message, at half the cost.
class Merge(NamedTuple):
    absorbed: str  # a thread id that no longer exists...
    into: str  # ...because all its messages now belong to this one


class Added(NamedTuple):
    thread_id: str
    merges: tuple[Merge, ...] = ()


@dataclass(frozen=True, slots=True)
class ThreadNode:
    """A message in a conversation tree; placeholders are pruned (their children move up)."""

    key: str
    message_id: str
    date: float
    children: tuple[ThreadNode, ...] = field(default=())


_STRIP = " \t\r\n<>"


class Threader:
    """Incremental JWZ threading. Feed `add()` in arrival order; same order, same thread ids."""

    def __init__(self, subject_window: float = SUBJECT_WINDOW) -> None:
        self._window = subject_window
        self._parent: dict[str, str] = {}  # node -> parent node (the tree)
        self._thread: dict[str, str] = {}  # node -> thread id
        self._members: dict[str, list[str]] = {}  # thread id -> its nodes
        self._message: dict[str, tuple[str, float]] = {}  # node -> (key, date) once it arrived
        self._copies: dict[str, str] = {}  # caller key -> node, for a second copy of a message
        self._key_index: dict[str, str] | None = None  # caller key -> node, built when asked
        self._by_subject: dict[str, tuple[str, float]] = {}  # base subject -> (node, last date)
        self._subjects: dict[str, tuple[str, bool]] = {}  # subject -> (base key, is a reply)

    def __len__(self) -> int:
        return len(self._members)

    # --- adding --------------------------------------------------------------------------

    def add(self, summary: MessageSummary) -> Added:
        """Thread one message; returns its thread id and any threads folded together."""
        # The hot path of opening a large folder: locals instead of attributes, no helpers.
        key = summary.key
        node = summary.message_id.strip(_STRIP) if summary.message_id else ""
        node = node or "\0" + key  # no Message-ID: a node of its own
        thread = self._thread
        seen = self._message.get(node)
        if seen is not None:
            # The same message again (a re-sync), or another copy of it (Sent and Inbox).
            if seen[0] != key:
                self._copies[key] = node
            return Added(thread[node])
        self._message[node] = (key, summary.date)
        self._key_index = None

        chain = []
        for ref in summary.references:
            ref = ref.strip(_STRIP)
            if ref and ref != node:
                chain.append(ref)
        if not chain:
            irt = summary.in_reply_to.strip(_STRIP) if summary.in_reply_to else ""
            if not irt or irt == node:
                return self._add_unreferenced(node, summary)
            chain.append(irt)

        # The threads this message touches; nearly always none or one, so no set unless needed.
        tid = thread.get(node, "")
        was_placeholder = bool(tid)
        more: set[str] | None = None
        new: list[str] = []  # references seen for the first time: placeholders to make
        for n in chain:
            t = thread.get(n)
            if t is None:
                new.append(n)
            elif t != tid:
                if tid:
                    more = more or {tid}
                    more.add(t)
                else:
                    tid = t
        merges: tuple[Merge, ...] = ()
        if more:
            tid, merges = self._merge(more)
        elif not tid:
            tid = node
            self._members[tid] = []
        members = self._members[tid]
        if not was_placeholder:
            thread[node] = tid
            members.append(node)
        for n in new:
            if n not in thread:  # a reference may repeat in one header
                thread[n] = tid
                members.append(n)

        parent = self._parent
        prev = ""
        for ref in chain:  # JWZ step 1: link the references in order, never re-parenting one
            if prev and ref not in parent and ref != prev and not self._is_ancestor(ref, prev):
                parent[ref] = prev
            prev = ref
        # A message's own References are the best word on its parent, so this one may move.
        if not was_placeholder or not self._is_ancestor(node, prev):
            parent[node] = prev
        if tid == node and summary.subject:
            # A new conversation (its root still missing): reference-less replies may join it.
            self._note_subject(node, self._subject(summary.subject)[0], summary.date)
        return Added(tid, merges)

    def _add_unreferenced(self, node: str, summary: MessageSummary) -> Added:
        base, is_reply = self._subject(summary.subject)
        if node in self._thread:  # a parent others were waiting for: it joins their thread
            self._note_subject(node, base, summary.date)
            return Added(self._thread[node])
        seen = self._by_subject.get(base) if base and is_reply else None
        if seen is not None and abs(summary.date - seen[1]) <= self._window:
            tid = self._thread[seen[0]]
            self._parent[node] = seen[0]
        else:
            tid = node
            self._members[tid] = []
        self._thread[node] = tid
        self._members[tid].append(node)
        self._note_subject(node, base, summary.date)
        return Added(tid)

    def _note_subject(self, node: str, base: str, date: float) -> None:
        if not base:
            return
        seen = self._by_subject.get(base)
        if seen is None or abs(date - seen[1]) > self._window:
            self._by_subject[base] = (node, date)
        elif self._thread[seen[0]] == self._thread[node]:
            self._by_subject[base] = (seen[0], max(seen[1], date))

    def _subject(self, subject: str) -> tuple[str, bool]:
        # Conversations repeat their subject, so the prefix-stripping regexes run once for each.
        found = self._subjects.get(subject)
        if found is None:
            if len(self._subjects) > 50_000:
                self._subjects.clear()
            _, base, is_reply = split_subject(subject)
            found = self._subjects[subject] = (base.casefold(), is_reply)
        return found

    def _merge(self, tids: set[str]) -> tuple[str, tuple[Merge, ...]]:
        if len(tids) == 1:
            return next(iter(tids)), ()
        members = self._members
        # The largest survives (fewest rows to re-key); ties go to the smaller id, for determinism.
        ordered = sorted(tids, key=lambda t: (-len(members[t]), t))
        into = ordered[0]
        merges = []
        for gone in ordered[1:]:
            moved = members.pop(gone)
            for n in moved:
                self._thread[n] = into
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
            if copies:  # another copy of the message remains: it now stands for the node
                del self._copies[copies[0]]
                self._message[node] = (copies[0], self._message[node][1])
            else:
                del self._message[node]
            self._key_index = None
        members = self._members[tid]
        if not any(n in self._message for n in members):
            for n in members:
                del self._thread[n]
                self._parent.pop(n, None)
            del self._members[tid]
        return tid

    def add_all(self, summaries: Iterable[MessageSummary]) -> list[Added]:
        return [self.add(s) for s in summaries]

    # --- reading -------------------------------------------------------------------------

    def _node_of(self, key: str) -> str | None:
        if self._key_index is None:  # built on first use: add() stays one dict write cheaper
            self._key_index = {k: n for n, (k, _) in self._message.items()}
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
                out.append(m[0])
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
            built[n] = [ThreadNode(m[0], n, m[1], tuple(kids))] if m is not None else kids

        out = [t for r in roots for t in built.pop(r)]
        out.sort(key=lambda t: t.date)
        return tuple(out)
