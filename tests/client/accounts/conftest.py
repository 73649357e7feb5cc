from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.client.accounts.fakes import MemoryKeyring, keyring_backend, logging_sandbox


@pytest.fixture(autouse=True)
def _clean_logging() -> Iterator[None]:
    with logging_sandbox():
        yield


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend
