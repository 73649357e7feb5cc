"""The account setup wizard (page 1: who you are; page 2: the servers, checked)."""

from __future__ import annotations

from kittiwake.ui.windows.wizard.wizard import AccountWizard, WizardServices

__all__ = ["AccountWizard", "WizardServices"]
