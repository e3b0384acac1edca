"""docs/openapi/ stays true to the code: regenerate with scripts/openapi after changing a route."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fera.docs_openapi import ROLES, openapi_of

DOCS = Path(__file__).resolve().parents[2] / "docs" / "openapi"


@pytest.mark.parametrize("name", sorted(ROLES))
def test_committed_openapi_matches_the_code(name: str) -> None:
    committed = json.loads((DOCS / f"{name}.json").read_text())
    assert committed == json.loads(json.dumps(openapi_of(ROLES[name]), sort_keys=True)), "run scripts/openapi"
