"""Credentials tokens as an operator handles them: long, random, and usable on a command line."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from fera.ocpi import auth


def test_a_token_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # `fera partners revoke -rX...` would read a leading '-' as an option: CI once drew such a token.
    drawn: Iterator[str] = iter(["-rStartsLikeAnOption", "_fine" + "x" * 38])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda _: next(drawn))

    assert auth.new_token() == "_fine" + "x" * 38


def test_tokens_are_43_printable_characters_and_differ() -> None:
    tokens = {auth.new_token() for _ in range(200)}

    assert len(tokens) == 200
    assert all(len(t) == 43 and t.isprintable() and not t.startswith("-") for t in tokens)
