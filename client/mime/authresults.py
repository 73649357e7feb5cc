"""Authentication-Results (RFC 8601): what the account's own server said about SPF/DKIM/DMARC.

Anyone can write an Authentication-Results header into a message. Only the ones added by the
receiving server are worth showing, so: trust a header only if its authserv-id equals the one
configured for the account, and only the topmost contiguous run of such headers (the server
prepends its own; anything below another server's header arrived with the message).
"""

from __future__ import annotations

from dataclasses import dataclass, field

_METHODS = ("spf", "dkim", "dmarc")
_PASS = {"pass"}
_FAIL = {"fail", "softfail", "permerror", "policy"}
# Anything else (none, neutral, temperror, unknown words) is shown as "none": no verdict.


@dataclass(frozen=True)
class AuthResults:
    """Verdicts per method: "pass", "fail" or "none"; `raw` keeps the exact result words."""

    spf: str = "none"
    dkim: str = "none"
    dmarc: str = "none"
    authserv_id: str = ""
    trusted_headers: int = 0
    raw: dict[str, str] = field(default_factory=dict)


def _strip_comments(value: str) -> str:
    out: list[str] = []
    depth = 0
    in_quote = False
    for ch in value:
        if in_quote:
            in_quote = ch != '"'
            out.append(ch)
        elif ch == '"' and not depth:
            in_quote = True
            out.append(ch)
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def _split_semicolons(value: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    in_quote = False
    for ch in value:
        if ch == '"':
            in_quote = not in_quote
        if ch == ";" and not in_quote:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def parse_header(value: str) -> tuple[str, list[tuple[str, str]]]:
    """(authserv-id, [(method, result), ...]) of one header value; total, never raises."""
    pieces = _split_semicolons(_strip_comments(" ".join(value.split())))
    head = pieces[0].split() if pieces and pieces[0] else []
    authserv_id = head[0].lower() if head else ""
    results: list[tuple[str, str]] = []
    for resinfo in pieces[1:]:
        words = resinfo.split()
        if not words or "=" not in words[0]:
            continue  # "none", or garbage
        method, _, result = words[0].partition("=")
        results.append((method.split("/")[0].strip().lower(), result.strip().lower()))
    return authserv_id, results


def _verdict(result: str) -> str:
    if result in _PASS:
        return "pass"
    if result in _FAIL:
        return "fail"
    return "none"


def evaluate(headers: list[str], authserv_id: str | None) -> AuthResults:
    """Verdicts from the message's Authentication-Results values, in header order (top first)."""
    wanted = (authserv_id or "").strip().lower()
    if not wanted:
        return AuthResults()
    found: dict[str, str] = {}
    trusted = 0
    for value in headers:
        server, results = parse_header(value)
        if server != wanted:
            break
        trusted += 1
        for method, result in results:
            if method not in _METHODS:
                continue
            # Several DKIM signatures: one passing signature is a pass.
            if method not in found or (_verdict(found[method]) != "pass" and result == "pass"):
                found[method] = result
    return AuthResults(
        spf=_verdict(found.get("spf", "none")),
        dkim=_verdict(found.get("dkim", "none")),
        dmarc=_verdict(found.get("dmarc", "none")),
        authserv_id=wanted,
        trusted_headers=trusted,
        raw=found,
    )
