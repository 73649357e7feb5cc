"""Encoding a draft (`build_draft`) off the GUI thread, without re-encoding its attachments.

Measured by tests/ui/windows/composer/measure_stall.py: `build_draft` with a 10 MB attachment
takes ~2 s, and even in a thread it stopped the GUI for up to ~0.6 s at a time, because the
stdlib's encoder makes long C calls over the whole payload (a regex split of the base64 text)
that hold the GIL. So attachments are encoded once, in slices, when they are added
(loading.py), and a build here uses a 57-byte random stand-in per attachment: the stdlib
encodes that to one 76-character base64 line, which is then replaced by the prepared body.
The result is the same bytes the stdlib would write (a test compares them).

A worker process would avoid the GIL too, but a "spawn" child re-runs the main module, which in
a frozen bundle without freeze_support() is the whole app.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import Mapping
from dataclasses import replace

from kittiwake.client.engine import build_draft
from kittiwake.client.mime.compose import Attachment, Draft
from kittiwake.ui.windows.composer.attachments import size_of
from kittiwake.ui.windows.composer.loading import Prepared

BIG_DRAFT_BYTES = 2 * 1024 * 1024
_STAND_IN = 57  # bytes: exactly one base64 line


def is_big(draft: Draft) -> bool:
    return sum(size_of(a) for a in draft.attachments) > BIG_DRAFT_BYTES


def build_spliced(
    draft: Draft, prepared: Mapping[Attachment, Prepared], *, for_drafts: bool = False
) -> bytes:
    """`build_draft(draft)`, with the prepared attachments' bodies spliced in (any attachment
    not prepared yet is encoded by the stdlib as before)."""
    stand_ins: list[Attachment] = []
    bodies: list[tuple[bytes, bytes]] = []  # (stand-in line, body), in message order
    for attachment in draft.attachments:
        ready = prepared.get(attachment)
        if ready is None or ready.body is None:
            stand_ins.append(attachment)
            continue
        marker = secrets.token_bytes(_STAND_IN)
        bodies.append((base64.b64encode(marker), ready.body))
        stand_ins.append(
            Attachment(name=attachment.name, data=marker, content_type=ready.content_type)
        )
    raw = build_draft(replace(draft, attachments=tuple(stand_ins)), for_drafts=for_drafts)
    pieces: list[bytes] = []
    at = 0
    for line, body in bodies:
        start = raw.index(b"\r\n" + line + b"\r\n", at) + 2  # the stand-in's own line
        pieces += (raw[at:start], body)
        at = start + len(line) + 2
    pieces.append(raw[at:])
    return b"".join(pieces)


async def encode(
    draft: Draft,
    *,
    for_drafts: bool = False,
    prepared: Mapping[Attachment, Prepared] | None = None,
) -> bytes:
    """The draft's bytes, built in a worker thread."""
    return await asyncio.to_thread(
        build_spliced, draft, dict(prepared or {}), for_drafts=for_drafts
    )
