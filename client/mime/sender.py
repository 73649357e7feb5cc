"""Who sent this, shown so that it cannot be faked by the display name alone.

Rules: the address is always shown next to the name; decoded names lose control characters
and bidi overrides (headers.strip_controls, applied by addrlist); a display name that contains
an address other than the real one, several From headers, several From mailboxes, or none at
all, each add a warning the reader shows next to the sender.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kittiwake.client.mime.addrlist import Mailbox, parse_address_list

# Something that reads as an address to a person: local@domain.tld, also with full-width @.
_ADDRESS_LIKE = re.compile(
    r"[^\s<>()\"',;:@＠]+\s*[@＠]\s*[^\s<>()\"',;:@＠]+\.[^\s<>()\"',;:@＠]+"
)


@dataclass(frozen=True)
class SenderInfo:
    """The sender as the reader shows it: `display` always includes the address."""

    name: str
    address: str
    display: str
    warnings: tuple[str, ...]


def _normal(address: str) -> str:
    return address.replace("＠", "@").replace(" ", "").strip().lower()


def name_warnings(mailbox: Mailbox) -> list[str]:
    """Warnings about a single mailbox's display name."""
    warnings: list[str] = []
    for found in _ADDRESS_LIKE.findall(mailbox.name):
        if _normal(found) != _normal(mailbox.address):
            warnings.append(
                f"the sender's name contains the address {found!r}, "
                f"but the message comes from {mailbox.address!r}"
            )
            break
    if mailbox.address and "@" not in mailbox.address:
        warnings.append(f"the sender address {mailbox.address!r} is not a valid address")
    return warnings


def sender_info(from_values: list[str], sender_values: list[str] | None = None) -> SenderInfo:
    """Build the sender display from every raw From header (and Sender, if any)."""
    warnings: list[str] = []
    if len(from_values) > 1:
        warnings.append(f"the message has {len(from_values)} From headers; the first is shown")
    mailboxes: list[Mailbox] = []
    if from_values:
        mailboxes, parse_warnings = parse_address_list(from_values[0])
        warnings.extend(parse_warnings)
    if not mailboxes:
        warnings.append("the message has no sender address")
        return SenderInfo(name="", address="", display="(no sender)", warnings=tuple(warnings))
    if len(mailboxes) > 1:
        warnings.append(f"the From header names {len(mailboxes)} senders; the first is shown")
    first = mailboxes[0]
    warnings.extend(name_warnings(first))
    if sender_values:
        agents, _ = parse_address_list(sender_values[0])
        if agents and _normal(agents[0].address) != _normal(first.address):
            warnings.append(f"sent by {agents[0].address} on behalf of {first.address}")
    name = first.name
    if _normal(name) == _normal(first.address):
        name = ""  # "a@b <a@b>" says nothing more than the address
    display = f"{name} <{first.address}>" if name else first.address
    return SenderInfo(name=name, address=first.address, display=display, warnings=tuple(warnings))
