"""`fera demo`: a CPO, an eMSP and an SCSP node as separate processes that register with each other."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from fera.config import RoleConfig
from fera.demo.processes import NodeProcess, start_node_process, write_config
from fera.node import create_node
from fera.ocpi.types import Role
from fera.partners import Partner

__all__ = ["DemoReport", "run_demo"]

ROLES = {
    "cpo": RoleConfig(role=Role.CPO, country_code="NL", party_id="FCP", name="FERA Demo CPO"),
    "emsp": RoleConfig(role=Role.EMSP, country_code="NL", party_id="FMS", name="FERA Demo eMSP"),
    "scsp": RoleConfig(role=Role.SCSP, country_code="NL", party_id="FSC", name="FERA Demo SCSP"),
}
# (initiator, receiver): the receiver invites, the initiator registers with its token A.
HANDSHAKES = (("emsp", "cpo"), ("scsp", "cpo"), ("scsp", "emsp"))


@dataclass
class DemoReport:
    partners: dict[str, list[Partner]]


async def run_demo(console: Console, workdir: Path | None = None) -> DemoReport:
    workdir = workdir or Path(tempfile.mkdtemp(prefix="fera-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    nodes: dict[str, NodeProcess] = {}
    try:
        with console.status("starting nodes") as status:
            for name, role in ROLES.items():
                config, path = write_config(workdir, name, [role])
                status.update(f"starting {name} on {config.listen}")
                nodes[name] = await start_node_process(config, path, workdir / f"{name}.log")
                console.print(
                    f"[green]✓[/] {name} node on {config.public_url} (pid {nodes[name].process.pid})"
                )
        for initiator, receiver in HANDSHAKES:
            await _handshake(nodes[initiator], nodes[receiver])
            console.print(f"[green]✓[/] {initiator} registered with {receiver} (token A → B → C)")
        return DemoReport({name: await _partners(node) for name, node in nodes.items()})
    finally:
        for node in nodes.values():
            node.stop()


async def _handshake(initiator: NodeProcess, receiver: NodeProcess) -> None:
    """Through each node's own store, as `fera partners invite` / `register` do from a shell."""
    inviter = create_node(receiver.config)
    await inviter.start()
    try:
        invitation = await inviter.partners.invite(initiator.config.name)
    finally:
        await inviter.stop()
    joiner = create_node(initiator.config)
    await joiner.start()
    try:
        await joiner.partners.register_with(invitation.versions_url, invitation.token_a)
    finally:
        await joiner.stop()


async def _partners(node: NodeProcess) -> list[Partner]:
    local = create_node(node.config)
    await local.start()
    try:
        return await local.partners.list()
    finally:
        await local.stop()
