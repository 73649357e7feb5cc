"""The benchmarks' Kittiwake account: added through the real `kittiwake` command, as a user would,
pointing at the benchmark's Dovecot over implicit TLS with its password in a private file."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KITTIWAKE = [str(ROOT / ".venv" / "bin" / "kittiwake")]


def add_bench_account(
    server: Any, user: Any, work: Path, home: Path, env: dict[str, str] | None = None
) -> None:
    """`kittiwake --home HOME accounts add bench ...` for `user` on `server` (a DirectDovecot)."""
    pwfile = work / "pw"
    pwfile.write_text(user.password + "\n")
    pwfile.chmod(0o600)
    add = [
        *KITTIWAKE, "--home", str(home), "accounts", "add", "bench",
        "--address", user.address, "--incoming", "imap",
        "--incoming-host", server.host, "--incoming-port", str(server._private["imaps"]),
        "--incoming-security", "tls", "--smtp-host", server.host,
        "--smtp-port", str(server._private["submissions"]), "--smtp-security", "tls",
        "--username", user.name, "--ca-file", server.ca_file,
        "--password-command", f"cat {pwfile}",
    ]  # fmt: skip
    subprocess.run(add, check=True, stdout=subprocess.DEVNULL, env=env)
