"""Account ids: short slugs chosen once from the account's name, then never changed.

An id names the config entry, the keyring entries and the cache rows, so it must be stable,
unique, and safe inside file names and keyring keys.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 40
_VALID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")


def is_valid_account_id(candidate: str) -> bool:
    return _VALID.fullmatch(candidate) is not None


def slugify(name: str) -> str:
    """'Work (ACME)' -> 'work-acme'; '' when nothing usable is left (the caller says why)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:MAX_LENGTH].rstrip("-")
