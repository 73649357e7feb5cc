"""`@record`: a frozen dataclass that costs half as much to define.

`@dataclass(frozen=True)` compiles six methods from generated source for every class (__init__,
__setattr__, __delattr__, __eq__, __hash__, __repr__), about 1 ms a class on this project's
machines; a `kittiwake sync` defines some 75 of them before it touches the network, a quarter
of a no-change run's CPU. `@record` lets dataclasses generate only what must be specific to the
class (__init__ and the frozen __setattr__/__delattr__) and gives every record the same three
shared functions for __eq__, __hash__ and __repr__, driven by the field names the class keeps.

The result is a frozen dataclass in every way that matters: `dataclasses.fields`, `replace`,
`asdict`, `is_dataclass`, `__match_args__`, FrozenInstanceError, and equality, hashing and repr
with dataclasses' own rules (same class only; the fields with compare=True, hash as dataclasses
derives it; repr=True fields, recursion-safe). Type checkers see a frozen dataclass
(dataclass_transform).
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")

_REPR = "__record_repr__"


def _tuple_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A fast getter of these attributes as a tuple (what dataclasses' methods compare)."""
    if not names:
        return lambda _obj: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names)


def _eq(self: Any, other: object) -> object:
    cls: Any = type(self)
    key: Callable[[object], tuple[Any, ...]] = cls.__record_key__
    if other.__class__ is not cls:
        return NotImplemented
    return key(self) == key(other)


def _hash(self: Any) -> int:
    cls: Any = type(self)
    return hash(cls.__record_hash_key__(self))


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in getattr(self, _REPR))
    return f"{self.__class__.__qualname__}({fields})"


def _make(cls: type[T], slots: bool) -> type[T]:
    # What the class body wrote itself stays, by dataclasses' rules: an __eq__ or __repr__ of
    # its own, and an explicit __hash__ (Python sets __hash__ = None beside a bare __eq__).
    own = cls.__dict__
    own_hash = own.get("__hash__", dataclasses.MISSING)
    explicit_hash = not (own_hash is dataclasses.MISSING or (own_hash is None and "__eq__" in own))
    keep = {name for name in ("__eq__", "__repr__") if name in own}
    made: Any = dataclasses.dataclass(frozen=True, eq=False, repr=False, slots=slots)(cls)
    fields = dataclasses.fields(made)
    made.__record_key__ = _tuple_of(tuple(f.name for f in fields if f.compare))
    hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
    made.__record_hash_key__ = _tuple_of(hashed)
    setattr(made, _REPR, tuple(f.name for f in fields if f.repr))
    if "__eq__" not in keep:
        made.__eq__ = _eq
    if not explicit_hash:
        made.__hash__ = _hash
    if "__repr__" not in keep:
        made.__repr__ = _repr
    return made  # type: ignore[no-any-return]


@overload
@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(*, slots: bool = False) -> Callable[[type[T]], type[T]]: ...


def record(
    cls: type[T] | None = None, /, *, slots: bool = False
) -> type[T] | Callable[[type[T]], type[T]]:
    """`@record` or `@record(slots=True)` on a class body written as for `@dataclass`."""
    if cls is None:
        return lambda inner: _make(inner, slots)
    return _make(cls, slots)
