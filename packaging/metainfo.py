"""Point the AppStream metainfo's screenshots at the address they are published under.

    .venv/bin/python packaging/metainfo.py          # rewrite the <image> URLs, then commit

The project has no public address yet, so SCREENSHOT_BASE is a placeholder. It is the one
place that address is set: at release time, change it here, run this script and commit the
metainfo (tests/packaging/test_desktop_files.py fails while the two disagree). Software
centres download the images from that address; the files themselves are docs/screenshots/.
Only the base changes: each screenshot keeps its file name, which must exist in
docs/screenshots/ (a test checks that too, and the image's size).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

APP_ID = "org.kittiwake.Kittiwake"
# Where docs/screenshots/ is served from, without a trailing slash. A placeholder until release.
SCREENSHOT_BASE = "https://kittiwake.org/source/raw/main/docs/screenshots"
ROOT = Path(__file__).resolve().parent.parent
METAINFO = ROOT / "packaging" / f"{APP_ID}.metainfo.xml"
SCREENSHOTS = ROOT / "docs" / "screenshots"

# Text edit, not an XML round trip: comments and layout of the file stay as they are.
_IMAGE = re.compile(r"(<image\b[^>]*>)\s*([^<]*?)\s*(</image>)")


def file_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def with_base(text: str, base: str = SCREENSHOT_BASE) -> str:
    """The metainfo text with every screenshot URL set to `base`/<its file name>."""
    base = base.rstrip("/")
    return _IMAGE.sub(lambda m: f"{m[1]}{base}/{file_name(m[2])}{m[3]}", text)


def image_urls(text: str) -> list[str]:
    return [m[2] for m in _IMAGE.finditer(text)]


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print(__doc__, file=sys.stderr)
        return 2
    text = METAINFO.read_text(encoding="utf-8")
    missing = [n for n in map(file_name, image_urls(text)) if not (SCREENSHOTS / n).is_file()]
    if missing:
        print(f"not in docs/screenshots/: {', '.join(missing)}", file=sys.stderr)
        return 1
    METAINFO.write_text(with_base(text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
