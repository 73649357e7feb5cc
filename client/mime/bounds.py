"""Limits that keep parsing bounded in time and memory, whatever a message contains.

One place, so the reasons are written once: a message is untrusted input and the reader must
never freeze or exhaust memory on it (nested bombs, thousands of parts, megabyte headers).
"""

from __future__ import annotations

from typing import Final

# MIME nesting (multipart inside multipart, message/rfc822 inside message/rfc822) deeper than
# this is shown as an opaque attachment. The stdlib feed parser recurses per level and hits
# RecursionError near 1,000 levels after about a second; real mail rarely exceeds 10.
MAX_DEPTH: Final = 24

# Parts beyond this many are not parsed further (shown as opaque data) nor walked for
# display; far above any real message (the MIME torture test has about 50). Each part costs
# about 0.1 ms in the stdlib parser and our walk.
MAX_PARTS: Final = 500

# message/rfc822 parts shown as quoted messages, recursively, at most this deep.
MAX_QUOTED_DEPTH: Final = 4

# A header value longer than this is cut before decoding (with a warning). Decoding is linear,
# so this bounds the size of the model rather than the time.
MAX_HEADER_CHARS: Final = 256 * 1024

# Header lines (with continuation lines) parsed per part; the stdlib parser takes about
# 10 us per line, and real messages have a few hundred at most.
MAX_HEADER_LINES: Final = 10_000

# Addresses shown per address header (To/Cc); the rest are summarised as a count.
MAX_ADDRESSES: Final = 1000

# Characters of body text kept in the display model (plain or HTML); longer text is cut
# with a warning. The full bytes stay available through the part path.
MAX_TEXT_CHARS: Final = 4 * 1024 * 1024

# Bytes of a single text part that are decoded for display (charset + flowed), about 0.5 s
# of work; the whole part stays available through its part path.
MAX_DISPLAY_PART_BYTES: Final = 2 * 1024 * 1024

# Warnings kept per message (a hostile message could otherwise produce millions).
MAX_WARNINGS: Final = 100

# Entries kept in lists derived from HTML (remote resources, suspicious links).
MAX_HTML_FINDINGS: Final = 500

# HTML element nesting kept for the sanitiser; deeper tags are dropped (text kept), because
# html5ever's cost grows with the square of the depth (100,000 nested <div>s: minutes).
MAX_HTML_DEPTH: Final = 256

# HTML given to the sanitiser: at most this many characters (mostly matters for inline
# data: images) and this many tags (the cost is per tag, about 20 us for both passes, so
# 20,000 tags is under half a second). Longer HTML is cut with a warning and stays available
# as the part's bytes. For scale: Gmail clips messages at 102 KB.
MAX_HTML_CHARS: Final = 4 * 1024 * 1024
MAX_HTML_TAGS: Final = 20_000
