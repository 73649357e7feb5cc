"""The composer: write, reply, forward; drafts autosaved; undo send; the outbox sends."""

from kittiwake.ui.windows.composer.window import ComposerWindow

__all__ = ["ComposerWindow"]
