"""Where the shared real-world corpus is, and which of its files are messages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from kittiwake.client.mime.mbox import looks_like_mbox, split_mbox

_REPO = Path(__file__).resolve().parents[3]
# Licences, provenance notes, expected-structure oracles and DKIM keys are not messages.
_NOT_MESSAGES = ("LICENSE", "SOURCE.txt", "NOTICE", "COPYING", "README", "MANIFEST", "ARTISTIC")
_NOT_MESSAGE_SUFFIXES = (".xml", "-summary.txt", ".pub", ".md", ".gitattributes")


def corpus_dir() -> Path | None:
    """MAIL_CORPUS_DIR, else ../shared/corpus beside the repository; None when absent."""
    env = os.environ.get("MAIL_CORPUS_DIR")
    candidate = Path(env) if env else _REPO.parent / "shared" / "corpus"
    return candidate if candidate.is_dir() else None


SKIP_REASON = "the shared mail corpus (../shared/corpus or $MAIL_CORPUS_DIR) is not present"


def message_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "expected-structure" in path.parts:
            continue
        if any(path.name.startswith(p) for p in _NOT_MESSAGES):
            continue
        if path.name.endswith(_NOT_MESSAGE_SUFFIXES):
            continue
        files.append(path)
    return files


def iter_messages(root: Path) -> Iterator[tuple[str, bytes]]:
    """(id, raw bytes) for every message, mbox files split into their messages."""
    for path in message_files(root):
        data = path.read_bytes()
        name = str(path.relative_to(root))
        if ".mbox" in path.name or path.name == "mbox.rlug":
            assert looks_like_mbox(data), name
            for index, message in enumerate(split_mbox(data)):
                yield f"{name}#{index}", message
        else:
            yield name, data
