"""The SCSP role: receives Sessions and Locations from CPOs and from eMSPs (the shared Receivers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fera.emsp import receiver_mounts

if TYPE_CHECKING:
    from fera.node import ModuleMount, Node

__all__ = ["scsp_mounts"]


def scsp_mounts(node: Node) -> list[ModuleMount]:
    return receiver_mounts(node)
