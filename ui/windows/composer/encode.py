"""Encoding a draft (`build_draft`) off the GUI thread.

Measured by tests/ui/windows/composer/measure_stall.py with a 10 MB attachment: `build_draft`
takes ~2 s. In a thread the GUI keeps running, but the stdlib's encoder makes long C calls
(regex splits and searches over the whole payload) that hold the GIL, so the GUI still stops
for up to ~0.6 s at a time (1 MB: ~70 ms). A worker process would avoid that, but a "spawn"
child re-runs the main module, which in a frozen bundle without freeze_support() is the whole
app: not worth that risk here. Autosave therefore waits for a long pause when attachments are
big (window.py), and the real fix belongs in compose.py (encode attachments in slices).
"""

from __future__ import annotations

import asyncio

from kittiwake.client.engine import build_draft
from kittiwake.client.mime.compose import Draft
from kittiwake.ui.windows.composer.attachments import size_of

BIG_DRAFT_BYTES = 2 * 1024 * 1024


def is_big(draft: Draft) -> bool:
    return sum(size_of(a) for a in draft.attachments) > BIG_DRAFT_BYTES


async def encode(draft: Draft, *, for_drafts: bool = False) -> bytes:
    """The draft's bytes, built in a worker thread."""
    return await asyncio.to_thread(build_draft, draft, for_drafts=for_drafts)
