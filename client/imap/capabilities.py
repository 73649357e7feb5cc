"""What the server says it can do, as the engine asks about it."""

from __future__ import annotations

from collections.abc import Iterable

from kittiwake.client.records import record


@record
class Capabilities:
    names: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, words: Iterable[str]) -> Capabilities:
        return cls(frozenset(word.upper() for word in words if word))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.upper() in self.names

    @property
    def auth_mechanisms(self) -> frozenset[str]:
        return frozenset(name[5:] for name in self.names if name.startswith("AUTH="))

    @property
    def imap4rev1(self) -> bool:
        return "IMAP4REV1" in self.names

    @property
    def imap4rev2(self) -> bool:
        return "IMAP4REV2" in self.names

    @property
    def starttls(self) -> bool:
        return "STARTTLS" in self.names

    @property
    def login_disabled(self) -> bool:
        return "LOGINDISABLED" in self.names

    @property
    def idle(self) -> bool:
        return "IDLE" in self.names

    @property
    def condstore(self) -> bool:
        return "CONDSTORE" in self.names or self.qresync

    @property
    def qresync(self) -> bool:
        return "QRESYNC" in self.names

    @property
    def move(self) -> bool:
        return "MOVE" in self.names

    @property
    def uidplus(self) -> bool:
        return "UIDPLUS" in self.names

    @property
    def special_use(self) -> bool:
        return "SPECIAL-USE" in self.names

    @property
    def list_status(self) -> bool:
        return "LIST-STATUS" in self.names

    @property
    def enable(self) -> bool:
        return "ENABLE" in self.names

    @property
    def id(self) -> bool:
        return "ID" in self.names

    @property
    def literal_plus(self) -> bool:
        return "LITERAL+" in self.names

    @property
    def sasl_ir(self) -> bool:
        return "SASL-IR" in self.names
