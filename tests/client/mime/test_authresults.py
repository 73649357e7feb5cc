from __future__ import annotations

from kittiwake.client.mime.authresults import evaluate, parse_header

OURS = "mx.example.net"


def test_parse_header_methods_and_comments() -> None:
    server, results = parse_header(
        "mx.example.net 1; spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a.example;\r\n"
        ' dkim=fail reason="bad; sig" header.d=a.example; dmarc=none'
    )
    assert server == "mx.example.net"
    assert results == [("spf", "pass"), ("dkim", "fail"), ("dmarc", "none")]


def test_only_our_topmost_contiguous_headers_count() -> None:
    headers = [
        "mx.example.net; spf=fail smtp.mailfrom=a.example",
        "mx.example.net; dkim=pass header.d=a.example",
        "other.example; dmarc=pass",
        # Forged by the sender, below another server's header: ignored.
        "mx.example.net; dmarc=pass",
    ]
    result = evaluate(headers, OURS)
    assert (result.spf, result.dkim, result.dmarc) == ("fail", "pass", "none")
    assert result.trusted_headers == 2


def test_foreign_topmost_header_means_nothing_is_trusted() -> None:
    result = evaluate(["evil.example; spf=pass; dkim=pass; dmarc=pass"], OURS)
    assert (result.spf, result.dkim, result.dmarc) == ("none", "none", "none")
    assert result.trusted_headers == 0


def test_no_configured_id_trusts_nothing() -> None:
    result = evaluate(["mx.example.net; spf=pass"], None)
    assert result.spf == "none" and result.trusted_headers == 0


def test_any_passing_dkim_signature_passes_and_odd_results_are_none() -> None:
    result = evaluate(
        ["MX.example.net; dkim=fail header.d=x; dkim=pass header.d=y; spf=softfail; "
         "dmarc=temperror"],
        OURS,
    )  # fmt: skip
    assert (result.spf, result.dkim, result.dmarc) == ("fail", "pass", "none")
    assert result.raw["dmarc"] == "temperror"
