"""pytest plugin (listed in tests/conftest.py): the real mail server and the fault proxy.

def test_x(mail_server: MailServer) -> None:           # Dovecot, once per session
async def test_y(fault_proxy: ProxyFactory) -> None:   # proxies in the test's loop
    async with fault_proxy(host, port) as proxy: ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.servers.dovecot import DovecotUnavailable, MailServer, MailUser
from tests.servers.proxy import FaultProxy

__all__ = ["FaultProxy", "MailServer", "MailUser", "ProxyFactory"]

ProxyFactory = Callable[[str, int], FaultProxy]


@pytest.fixture(scope="session")
def mail_server() -> Iterator[MailServer]:
    try:
        server = MailServer()
    except DovecotUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(autouse=True)
def _mail_server_left_running(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that stopped the shared Dovecot (restart tests) must not break the next one."""
    server: MailServer | None = None
    if "mail_server" in request.fixturenames:
        server = request.getfixturevalue("mail_server")
    yield
    if server is not None and not server.running:
        server.start()


@pytest.fixture
def fault_proxy() -> ProxyFactory:
    """A factory: `async with fault_proxy(host, port) as proxy` (see tests/servers/proxy.py)."""
    return FaultProxy


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test that touches the real Dovecot carries the `servers` marker, so
    # `-m "not servers"` runs the suite without it.
    for item in items:
        if "mail_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.servers)
