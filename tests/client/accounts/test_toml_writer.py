from __future__ import annotations

import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kittiwake.client.accounts.toml_writer import dumps, format_string


@given(st.text())
def test_any_string_survives_the_trip_through_tomllib(text: str) -> None:
    assert tomllib.loads(f"value = {format_string(text)}\n") == {"value": text}


@given(
    st.dictionaries(
        st.text(min_size=0, max_size=8),
        st.one_of(st.text(), st.integers(-(2**63), 2**63 - 1), st.booleans()),
        max_size=5,
    )
)
def test_tables_of_scalars_and_any_keys_round_trip(table: dict[str, str | int | bool]) -> None:
    document = {"top": table, "list": [table, {"k": 1}]}
    assert tomllib.loads(dumps(document)) == document


def test_nested_tables_inside_arrays_of_tables_belong_to_the_right_element() -> None:
    document = {
        "schema_version": 1,
        "accounts": [
            {"id": "a", "incoming": {"port": 1}, "identities": [{"x": "1"}, {"x": "2"}]},
            {"id": "b", "incoming": {"port": 2}, "identities": [{"x": "3"}]},
        ],
    }
    assert tomllib.loads(dumps(document)) == document


def test_multiline_text_is_written_on_several_lines_for_people() -> None:
    text = dumps({"signature": '-- \nAlice "A" Liddell\nC:\\path'})
    assert text.count("\n") >= 3
    assert tomllib.loads(text)["signature"] == '-- \nAlice "A" Liddell\nC:\\path'


def test_header_becomes_comments() -> None:
    text = dumps({"a": 1}, header="first\nsecond")
    assert text.startswith("# first\n# second\n")


def test_unsupported_values_are_refused_not_written_wrongly() -> None:
    with pytest.raises(TypeError):
        dumps({"a": 1.5})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        dumps({"a": [1, 2]})  # type: ignore[list-item]
