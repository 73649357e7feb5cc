from __future__ import annotations

import pytest

from kittiwake.client.accounts.ids import MAX_LENGTH, is_valid_account_id, slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Work", "work"),
        ("Work (ACME)", "work-acme"),
        ("  home mail  ", "home-mail"),
        ("Café Zürich", "cafe-zurich"),
        ("---", ""),
        ("日本", ""),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_slugs_are_valid_ids_and_bounded() -> None:
    slug = slugify("a" * 100)
    assert len(slug) == MAX_LENGTH
    assert is_valid_account_id(slug)
    assert is_valid_account_id(slugify("x-" * 30))


@pytest.mark.parametrize("bad", ["", "Work", "-a", "a-", "a/b", "a b", "a" * 41, "é"])
def test_invalid_ids(bad: str) -> None:
    assert not is_valid_account_id(bad)
