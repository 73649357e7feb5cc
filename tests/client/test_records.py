"""`@record` behaves as `@dataclass(frozen=True)`: each case is checked against a real one."""

from __future__ import annotations

import dataclasses
import math
import pickle
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from kittiwake.client.records import record


@record
class Point:
    x: int
    y: int = 0
    note: str = field(default="", compare=False)
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class PointDC:
    x: int
    y: int = 0
    note: str = field(default="", compare=False)
    tags: tuple[str, ...] = ()


@record(slots=True)
class Slotted:
    name: str
    value: float


@dataclass(frozen=True, slots=True)
class SlottedDC:
    name: str
    value: float


@record
class Nothing:
    pass


@record
class Hidden:
    shown: int
    secret: str = field(repr=False)
    unhashed: int = field(default=0, hash=False)


@dataclass(frozen=True)
class HiddenDC:
    shown: int
    secret: str = field(repr=False)
    unhashed: int = field(default=0, hash=False)


@record
class Child(Point):
    z: int = 0


@record
class Box:
    items: list[Any] = field(default_factory=list)


def _same_text(ours: object, theirs: object) -> None:
    assert repr(ours).replace(type(ours).__qualname__, "X") == repr(theirs).replace(
        type(theirs).__qualname__, "X"
    )


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (Point(1, 2, "n", ("a",)), PointDC(1, 2, "n", ("a",))),
        (Slotted("s", 1.5), SlottedDC("s", 1.5)),
        (Hidden(1, "pw", 3), HiddenDC(1, "pw", 3)),
    ],
)
def test_repr_is_the_dataclass_repr(ours: object, theirs: object) -> None:
    _same_text(ours, theirs)


def test_hidden_fields_stay_out_of_the_repr() -> None:
    assert "pw" not in repr(Hidden(1, "pw"))


def test_equality_and_hash_follow_the_compared_fields() -> None:
    assert Point(1, 2, "a") == Point(1, 2, "b")  # note: compare=False
    assert hash(Point(1, 2, "a")) == hash(Point(1, 2, "b"))
    assert Point(1, 2) != Point(1, 3)
    assert Point(1, 2, tags=("a",)) != Point(1, 2, tags=("b",))
    assert Hidden(1, "x", 1) != Hidden(1, "x", 2)  # hash=False still compares
    assert hash(Hidden(1, "x", 1)) == hash(Hidden(1, "x", 2))  # ... but is not hashed
    assert {Point(1), Point(1), Point(2)} == {Point(1), Point(2)}
    assert Nothing() == Nothing() and hash(Nothing()) == hash(Nothing())


def test_hash_equals_the_dataclass_hash() -> None:
    assert hash(Point(1, 2, "n", ("a",))) == hash(PointDC(1, 2, "n", ("a",)))
    assert hash(Slotted("s", 1.5)) == hash(SlottedDC("s", 1.5))
    assert hash(Hidden(1, "pw", 3)) == hash(HiddenDC(1, "pw", 3))


def test_only_the_same_class_is_equal() -> None:
    assert Point(1, 2) != cast(object, PointDC(1, 2))
    assert Point(1, 2) != Child(1, 2)
    assert Point(1, 2).__eq__((1, 2)) is NotImplemented


def test_a_nan_field_compares_as_in_a_tuple() -> None:
    nan = math.nan
    assert Slotted("n", nan) == Slotted("n", nan)  # the same object, as a dataclass says
    assert SlottedDC("n", nan) == SlottedDC("n", nan)


def test_frozen_like_a_dataclass() -> None:
    point = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.x
    with pytest.raises((AttributeError, TypeError)):
        Slotted("a", 1.0).other = 1  # type: ignore[attr-defined]


def test_dataclass_tools_work() -> None:
    point = Child(1, 2, z=3)
    assert dataclasses.is_dataclass(point)
    assert [f.name for f in dataclasses.fields(point)] == ["x", "y", "note", "tags", "z"]
    assert dataclasses.replace(point, z=4) == Child(1, 2, z=4)
    assert dataclasses.asdict(Point(1)) == {"x": 1, "y": 0, "note": "", "tags": ()}
    assert Point.__match_args__ == ("x", "y", "note", "tags")
    match Point(5, 6):
        case Point(x, y):
            assert (x, y) == (5, 6)
    assert not hasattr(Slotted("a", 1.0), "__dict__")
    assert Box().items == [] and Box().items is not Box().items


def test_a_record_pickles() -> None:
    assert pickle.loads(pickle.dumps(Point(1, 2, "n"))) == Point(1, 2, "n")
    assert pickle.loads(pickle.dumps(Slotted("a", 1.0))) == Slotted("a", 1.0)


def test_a_recursive_repr_does_not_loop() -> None:
    box = Box()
    box.items.append(box)
    assert repr(box) == "Box(items=[...])"


@record
class OwnMethods:
    key: str
    extra: int = 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OwnMethods) and self.key.lower() == other.key.lower()

    def __hash__(self) -> int:
        return hash(self.key.lower())

    def __repr__(self) -> str:
        return f"<{self.key}>"


def test_methods_the_class_wrote_itself_are_kept() -> None:
    assert OwnMethods("A", 1) == OwnMethods("a", 2)
    assert hash(OwnMethods("A")) == hash(OwnMethods("a"))
    assert repr(OwnMethods("A")) == "<A>"


@record
class Options:
    name: str
    size: int = field(default=3, kw_only=True)
    items: list[int] = field(default_factory=list, kw_only=True)
    computed: int = field(default=7, init=False)
    made: list[int] = field(default_factory=lambda: [1], init=False)


@dataclass(frozen=True)
class OptionsDC:
    name: str
    size: int = field(default=3, kw_only=True)
    items: list[int] = field(default_factory=list, kw_only=True)
    computed: int = field(default=7, init=False)
    made: list[int] = field(default_factory=lambda: [1], init=False)


@record(slots=True)
class SlottedDefaults:
    name: str
    hidden: int = field(default=5, init=False)
    count: int = 2


@record
class Checked:
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")
        object.__setattr__(self, "high", self.high)


def test_init_takes_the_same_arguments_as_the_dataclass() -> None:
    ours, theirs = Options("a", size=4, items=[9]), OptionsDC("a", size=4, items=[9])
    assert dataclasses.astuple(ours) == dataclasses.astuple(theirs) == ("a", 4, [9], 7, [1])
    assert dataclasses.astuple(Options("b")) == dataclasses.astuple(OptionsDC("b"))
    assert Options("c").items is not Options("c").items  # a fresh list each time
    assert Options("c").made is not Options("c").made
    with pytest.raises(TypeError, match="positional"):
        Options("a", 4)  # type: ignore[misc]
    with pytest.raises(TypeError, match="computed"):
        Options("a", computed=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"Options\.__init__\(\) missing"):
        Options()  # type: ignore[call-arg]


def test_a_slotted_record_sets_the_defaults_it_has_no_class_attribute_for() -> None:
    one = SlottedDefaults("a")
    assert (one.name, one.hidden, one.count) == ("a", 5, 2)
    assert pickle.loads(pickle.dumps(one)) == one


def test_post_init_runs_and_may_refuse() -> None:
    assert Checked(1, 2).high == 2
    with pytest.raises(ValueError, match="low above high"):
        Checked(3, 2)


def test_init_is_compiled_at_the_first_instance_only() -> None:
    @record
    class Late:
        value: int

    lazy = Late.__dict__["__init__"]
    assert Late(1).value == 1
    compiled = Late.__dict__["__init__"]
    assert compiled is not lazy and compiled.__qualname__.endswith("Late.__init__")
    assert Late(2).value == 2 and Late.__dict__["__init__"] is compiled


def test_a_subclass_compiles_its_own_init() -> None:
    assert Point(1).y == 0  # the parent's first
    child = Child(1, 2, z=3)
    assert (child.x, child.y, child.z) == (1, 2, 3)
    assert Point.__dict__["__init__"] is not Child.__dict__["__init__"]


def test_copies_are_equal_and_still_frozen() -> None:
    import copy

    for value in (Point(1, 2, tags=("t",)), Slotted("s", 2.0), Options("o", items=[1])):
        for duplicate in (copy.copy(value), copy.deepcopy(value)):
            assert duplicate == value
            with pytest.raises(dataclasses.FrozenInstanceError):
                duplicate.__setattr__("name", "other")


def test_what_dataclasses_refuses_is_refused_at_definition() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b'"):

        @record
        class Misordered:
            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(TypeError, match="__setattr__"):

        @record
        class OwnSetattr:
            a: int

            def __setattr__(self, name: str, value: object) -> None: ...

    with pytest.raises(TypeError, match="InitVar"):

        @record
        class WithInitVar:
            a: int
            b: dataclasses.InitVar[int]


def test_a_record_without_a_docstring_names_its_fields() -> None:
    assert Box.__doc__ == "Box(items)"
    assert Point.__doc__ == "Point(x, y, note, tags)"


@record(frozen=False)
class Counter:
    name: str
    seen: list[str] = field(default_factory=list)
    total: int = 0


@dataclass
class CounterDC:
    name: str
    seen: list[str] = field(default_factory=list)
    total: int = 0


@record(frozen=False, eq=False)
class Handle:
    name: str


def test_a_mutable_record_is_a_plain_dataclass() -> None:
    counter = Counter("c")
    counter.total += 2
    counter.seen.append("x")
    assert (counter.name, counter.seen, counter.total) == ("c", ["x"], 2)
    assert counter == Counter("c", ["x"], 2) and counter != Counter("c")
    _same_text(counter, CounterDC("c", ["x"], 2))
    with pytest.raises(TypeError, match="unhashable"):
        hash(counter)
    assert Counter.__hash__ is None and CounterDC.__hash__ is None
    del counter.total  # the instance's value goes; the class default shows through
    assert counter.total == 0
    assert pickle.loads(pickle.dumps(Counter("p", ["q"]))) == Counter("p", ["q"])


def test_a_mutable_record_without_eq_compares_by_identity() -> None:
    one, other = Handle("h"), Handle("h")
    assert one != other and one == one
    assert len({one, other}) == 2  # hashable by identity, as dataclass(eq=False)


def test_a_mutable_record_keeps_its_own_setattr() -> None:
    @record(frozen=False)
    class Upper:
        text: str

        def __setattr__(self, name: str, value: object) -> None:
            object.__setattr__(self, name, str(value).upper())

    assert Upper("quiet").text == "QUIET"  # __init__ goes through it, as a dataclass's does
