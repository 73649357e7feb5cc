"""The server's first line, judged strictly (pure).

Only "* OK", "* PREAUTH" and "* BYE" as whole tokens count: aioimaplib matched "PREAUTH" as a
substring anywhere in the line, so a greeting merely mentioning it meant "logged in". PREAUTH
is accepted only where the connection was encrypted from the first byte: on a STARTTLS port it
would leave the session authenticated in clear text, where STARTTLS is no longer allowed.
"""

from __future__ import annotations

from kittiwake.client.imap.capabilities import Capabilities
from kittiwake.client.imap.parse import parse_response
from kittiwake.client.imap.responses import StatusResponse
from kittiwake.client.imap.wire import RawResponse
from kittiwake.client.net.errors import NetworkError, ProtocolError
from kittiwake.client.records import record


@record
class Greeting:
    preauth: bool
    text: str
    capabilities: Capabilities | None  # from a [CAPABILITY ...] code, when the server sent one
    alert: str | None = None


def parse_greeting(
    line: bytes, *, preauth_allowed: bool, host: str = "", port: int = 0
) -> Greeting:
    if line.endswith(b"\r\n"):
        line = line[:-2]
    try:
        response = parse_response(RawResponse([line], []))
    except ProtocolError:
        response = None
    if not isinstance(response, StatusResponse) or response.tag is not None:
        raise ProtocolError(
            f"{host}:{port} did not greet like an IMAP server.",
            "Check the port and the security mode: this may be another protocol's port.",
            host=host,
            port=port,
            server_text=line[:200].decode("utf-8", "replace"),
        )
    if response.status == "BYE":
        raise NetworkError(
            f"{host}:{port} refused the session: {response.text}",
            "The server is busy or closed to you; try again later.",
            host=host,
            port=port,
            server_text=response.text,
        )
    if response.status == "PREAUTH" and not preauth_allowed:
        raise ProtocolError(
            f"{host}:{port} sent PREAUTH on a STARTTLS connection, which would skip encryption.",
            "Refusing to continue in clear text. Use implicit TLS (port 993).",
            host=host,
            port=port,
            server_text=response.text,
        )
    if response.status not in ("OK", "PREAUTH"):
        raise ProtocolError(
            f"{host}:{port} greeted with {response.status}.",
            host=host,
            port=port,
            server_text=response.text,
        )
    capabilities = None
    alert = None
    if response.code is not None:
        if response.code.name == "CAPABILITY":
            capabilities = Capabilities.parse(response.code.args.split())
        elif response.code.name == "ALERT":
            alert = response.text
    return Greeting(response.status == "PREAUTH", response.text, capabilities, alert)
