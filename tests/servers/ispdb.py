"""A local HTTP server that answers like Thunderbird's ISPDB: GET /v1.1/<domain>.

It serves ../shared/ispdb (read-only test data, never copied into the repository), indexed by
every <domain> each provider file lists. Extra documents (a provider's own autoconfig file) can
be added under any path.
"""

from __future__ import annotations

import functools
import http.server
import threading
import urllib.parse
from pathlib import Path
from types import TracebackType

from kittiwake.client.autoconfig.configxml import provider_domains

SHARED_ISPDB = Path(__file__).resolve().parents[2].parent / "shared" / "ispdb"


@functools.cache
def ispdb_index(folder: Path = SHARED_ISPDB) -> dict[str, bytes]:
    index: dict[str, bytes] = {}
    for path in sorted(folder.glob("*.xml")):
        document = path.read_bytes()
        for domain in provider_domains(document):
            index.setdefault(domain, document)
    return index


class IspdbServer:
    def __init__(self, index: dict[str, bytes] | None = None) -> None:
        self.index = dict(ispdb_index()) if index is None else index
        self.extra: dict[str, bytes] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                server.requests.append(self.path)
                body = server.extra.get(path)
                if body is None and path.startswith("/v1.1/"):
                    body = server.index.get(urllib.parse.unquote(path[6:]).lower())
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1.1/"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def local_url(self, url: str) -> str:
        """Map https://host/path to this server's /host/path (for provider autoconfig)."""
        parts = urllib.parse.urlsplit(url)
        if parts.netloc == f"127.0.0.1:{self.port}":
            return url
        query = f"?{parts.query}" if parts.query else ""
        return f"http://127.0.0.1:{self.port}/{parts.hostname}{parts.path}{query}"

    def __enter__(self) -> IspdbServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)
