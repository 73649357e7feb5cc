"""`@record`: a frozen dataclass that costs a sixth as much to define.

`@dataclass(frozen=True)` compiles six methods from generated source for every class (__init__,
__setattr__, __delattr__, __eq__, __hash__, __repr__), about 1.2 ms a class on this project's
machines; a `kittiwake sync` defines some 75 of them before it touches the network, and a
process that starts for one command pays that every time. `@record` lets dataclasses compile
nothing: it gathers the fields (dataclasses' rules: defaults, factories, kw_only, slots,
inheritance), and every record shares one frozen __setattr__/__delattr__ and one __eq__,
__hash__ and __repr__ driven by the field names the class keeps. Only __init__ must be specific
to the class; it is compiled at the class's first instantiation, so the many records a run
defines but never makes cost nothing more (0.13 ms a class in all, against 1.2).

The result is a frozen dataclass in every way that matters: `dataclasses.fields`, `replace`,
`asdict`, `is_dataclass`, `__match_args__`, FrozenInstanceError, pickling and copying, and
equality, hashing and repr with dataclasses' own rules (same class only; the fields with
compare=True, hash as dataclasses derives it; repr=True fields, recursion-safe). Type checkers
see a frozen dataclass (dataclass_transform). `@record(frozen=False)` is the mutable kind
(a plain `@dataclass`, unhashable), `eq=False` keeps identity equality; both compile nothing
at definition either. Not supported (a TypeError at definition): InitVar pseudo-fields, and a
__setattr__ or __delattr__ written in a frozen record's body (dataclasses refuses those too).
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


_MISSING = dataclasses.MISSING


class _FactorySentinel:
    """The default an __init__ parameter with a default_factory gets (as dataclasses)."""

    def __repr__(self) -> str:
        return "<factory>"


_HAS_FACTORY = _FactorySentinel()


def _frozen_setattr(self: Any, name: str, value: object) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:  # slotted records have no __dict__ to pickle
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=True):
        object.__setattr__(self, f.name, value)


def _init_source(cls: type, slots: bool, frozen: bool) -> tuple[str, dict[str, Any]]:
    """dataclasses' __init__ for `cls`, as source and the globals it needs."""
    names: dict[str, Any] = {"_set": object.__setattr__, "_HAS_FACTORY": _HAS_FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in dataclasses.fields(cls):
        default = f"_dflt_{f.name}"
        if f.init:
            if f.default_factory is not _MISSING:
                names[default] = f.default_factory
                param = f"{f.name}=_HAS_FACTORY"
                value = f"{default}() if {f.name} is _HAS_FACTORY else {f.name}"
            elif f.default is not _MISSING:
                names[default] = f.default
                param, value = f"{f.name}={default}", f.name
            else:
                param = value = f.name
            (keyword if f.kw_only else positional).append(param)
        elif f.default_factory is not _MISSING:
            names[default] = f.default_factory
            value = f"{default}()"
        elif slots and f.default is not _MISSING:  # slots have no class attribute to fall to
            names[default] = f.default
            value = default
        else:
            continue  # reading it finds the class attribute, the default
        # A frozen record sets through object.__setattr__; a mutable one as dataclasses does,
        # through its own __setattr__ if it has one.
        line = f"_set(self, {f.name!r}, {value})" if frozen else f"self.{f.name} = {value}"
        body.append(f"    {line}")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    return f"def __init__({params}):\n" + ("\n".join(body) or "    pass") + "\n", names


def _compile_init(cls: type, slots: bool, frozen: bool) -> Callable[..., None]:
    source, names = _init_source(cls, slots, frozen)
    namespace: dict[str, Any] = {}
    exec(source, names, namespace)  # our own generated source, as dataclasses does
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _lazy_init(cls: type, slots: bool, frozen: bool) -> Callable[..., None]:
    """An __init__ that compiles the real one at the first call and puts it in its place."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if cls.__dict__.get("__init__") is __init__:
            cls.__init__ = _compile_init(cls, slots, frozen)  # type: ignore[misc]
        cls.__init__(self, *args, **kwargs)  # type: ignore[misc]

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _check_init_order(fields: tuple[dataclasses.Field[Any], ...]) -> None:
    # What dataclasses' __init__ compilation would have said at definition time.
    seen_default = False
    for f in fields:
        if not f.init or f.kw_only:
            continue
        has_default = f.default is not _MISSING or f.default_factory is not _MISSING
        if seen_default and not has_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        seen_default = seen_default or has_default


def _make(cls: type[T], slots: bool, frozen: bool = True, eq: bool = True) -> type[T]:
    # What the class body wrote itself stays, by dataclasses' rules: an __eq__ or __repr__ of
    # its own, and an explicit __hash__ (Python sets __hash__ = None beside a bare __eq__).
    own = cls.__dict__
    for name in ("__setattr__", "__delattr__"):
        if frozen and name in own:
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    own_hash = own.get("__hash__", _MISSING)
    explicit_hash = not (own_hash is _MISSING or (own_hash is None and "__eq__" in own))
    keep = {name for name in ("__eq__", "__repr__") if name in own}
    if not own.get("__doc__"):
        # dataclasses would write "Name(field: type, ...)" with inspect.signature, which
        # tokenizes object.__init__'s text signature: half the cost of a record. The names do.
        cls.__doc__ = f"{cls.__name__}({', '.join(own.get('__annotations__', ()))})"
    # dataclasses gathers the fields and compiles nothing (no __init__, frozen, eq or repr).
    made: Any = dataclasses.dataclass(init=False, repr=False, eq=False, slots=slots)(cls)
    initvar = getattr(dataclasses, "_FIELD_INITVAR", None)
    if any(getattr(f, "_field_type", None) is initvar for f in made.__dataclass_fields__.values()):
        raise TypeError(f"{cls.__name__}: records do not support InitVar")
    fields = dataclasses.fields(made)
    _check_init_order(fields)
    made.__init__ = _lazy_init(made, slots, frozen)
    if frozen:
        made.__setattr__ = _frozen_setattr
        made.__delattr__ = _frozen_delattr
        if slots:
            made.__getstate__ = _getstate
            made.__setstate__ = _setstate
    made.__record_key__ = _tuple_of(tuple(f.name for f in fields if f.compare))
    hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
    made.__record_hash_key__ = _tuple_of(hashed)
    setattr(made, _REPR, tuple(f.name for f in fields if f.repr))
    if eq and "__eq__" not in keep:
        made.__eq__ = _eq
    if eq and not explicit_hash:
        # dataclasses' rule: equal-comparable and frozen is hashable by its fields; mutable is
        # not hashable at all (a dict key must not change). eq=False keeps identity.
        made.__hash__ = _hash if frozen else None
    if "__repr__" not in keep:
        made.__repr__ = _repr
    return made  # type: ignore[no-any-return]


@overload
@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(
    *, slots: bool = False, frozen: bool = True, eq: bool = True
) -> Callable[[type[T]], type[T]]: ...


def record(
    cls: type[T] | None = None, /, *, slots: bool = False, frozen: bool = True, eq: bool = True
) -> type[T] | Callable[[type[T]], type[T]]:
    """`@record`, or `@record(slots=True, frozen=False, eq=False)` as for `@dataclass(...)`:
    frozen by default; `frozen=False` for a mutable one (unhashable, as a dataclass)."""
    if cls is None:
        return lambda inner: _make(inner, slots, frozen, eq)
    return _make(cls, slots)
