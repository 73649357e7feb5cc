"""The composer: write, reply, forward; drafts autosaved; undo send; the outbox sends."""

from kittiwake.ui.windows.composer.launch import open_composer, open_mailto, open_saved_draft
from kittiwake.ui.windows.composer.window import ComposerWindow

__all__ = ["ComposerWindow", "open_composer", "open_mailto", "open_saved_draft"]
