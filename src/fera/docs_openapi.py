"""`python -m fera.docs_openapi DIR`: the OpenAPI document of each role's endpoints (docs/openapi/)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from fera.config import NodeConfig, RoleConfig
from fera.node import Node, create_node
from fera.ocpi.types import Role

__all__ = ["example_node", "openapi_of", "write_all"]

ROLES = {"cpo": Role.CPO, "emsp": Role.EMSP, "scsp": Role.SCSP}


def example_node(role: Role) -> Node:
    """A node hosting `role` alone, never started: its app is what the documents describe."""
    config = NodeConfig(
        name=role.value.lower(),
        public_url="https://fera.example.com",
        database_url="sqlite+aiosqlite:///:memory:",
        roles=[RoleConfig(role=role, country_code="NL", party_id="FER", name=f"FERA {role.value}")],
    )
    return create_node(config)


def openapi_of(role: Role) -> dict[str, Any]:
    document: dict[str, Any] = example_node(role).app.openapi()
    document["info"]["title"] = f"FERA node hosting the {role.value} role"
    return document


def write_all(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, role in ROLES.items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(openapi_of(role), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/openapi")):
        print(path)
