"""The SCSP role: receives Sessions and Locations from CPOs and from eMSPs (the shared Receivers)."""

from __future__ import annotations

from fera.emsp import receiver_mounts
from fera.parts import NodeContext, Parts

__all__ = ["scsp_parts"]


def scsp_parts(node: NodeContext) -> Parts:
    return Parts(mounts=receiver_mounts(node))
