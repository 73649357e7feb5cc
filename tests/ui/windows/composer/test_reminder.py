"""The forgotten-attachment words: whole words, several languages, not in quotes or signature."""

from __future__ import annotations

import pytest

from kittiwake.ui.windows.composer.reminder import mentions_attachment


@pytest.mark.parametrize(
    "body",
    [
        "The report is attached.",
        "See the attachment.",
        "Please find enclosed the contract.",
        "Die Rechnung ist angehängt.",
        "Im Anhang findest du alles.",
        "Vous trouverez ci-joint le devis.",
        "Ti mando in allegato la foto.",
        "ATTACHED: minutes",
    ],
)
def test_mentions(body: str) -> None:
    assert mentions_attachment("", body)


@pytest.mark.parametrize(
    "body",
    [
        "I feel unattached to the outcome.",
        "A detachment of soldiers.",
        "Thanks!\n\n> see the attached file\n",
        "Hi\n\n-- \nAttachments are scanned for viruses.\n",
        "",
    ],
)
def test_does_not_mention(body: str) -> None:
    assert not mentions_attachment("", body)


def test_the_subject_counts() -> None:
    assert mentions_attachment("Slides attached", "Hi!")
