"""`fera partners invite --party` and `fera partners add-party`: the operator decides who a partner may be."""

from __future__ import annotations

import asyncio
from pathlib import Path

import tomli_w
from typer.testing import CliRunner

from fera.cli import app
from fera.config import NodeConfig
from fera.node import create_node
from fera.ocpi.auth import Party
from fera.ocpi.types import Role
from fera.partners import Partner
from tests.nodes import role


async def test_invite_names_parties_and_the_operator_adds_one(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'cpo.sqlite3'}"
    config = tmp_path / "cpo.toml"
    node = {"name": "cpo", "public_url": "http://cpo.test", "database_url": database}
    config.write_text(tomli_w.dumps({"node": node, "roles": [role("CPO").model_dump(exclude_none=True)]}))
    runner = CliRunner()

    def fera(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["partners", *args, "-c", str(config)])
        return result.exit_code, " ".join(result.output.split())

    invited = await asyncio.to_thread(
        fera, "invite", "--name", "acme", "--party", "NL*EMS:EMSP", "--party", "nl*em2:EMSP"
    )
    bad = await asyncio.to_thread(fera, "invite", "--party", "NL-EMS")
    (partner,) = await _partners(
        NodeConfig(public_url="http://cpo.test", database_url=database, roles=[role("CPO")])
    )
    added = await asyncio.to_thread(fera, "add-party", partner.id, "NL*EM3:EMSP")
    ours = await asyncio.to_thread(fera, "add-party", partner.id, "NL*CPO:EMSP")
    unknown = await asyncio.to_thread(fera, "add-party", "nope", "NL*EM4:EMSP")

    assert invited[0] == 0 and "token A:" in invited[1]
    assert partner.agreed == [Party("NL", "EMS", Role.EMSP), Party("NL", "EM2", Role.EMSP)]
    assert bad[0] == 2 and "expected COUNTRY*PARTY:ROLE" in bad[1]
    assert added == (0, "acme may act as: NL*EMS (EMSP), NL*EM2 (EMSP), NL*EM3 (EMSP)")
    assert ours[0] == 1 and "NL*CPO (EMSP) is a party of this platform" in ours[1]
    assert unknown[0] == 1 and "no partner nope" in unknown[1]


async def _partners(config: NodeConfig) -> list[Partner]:
    node = create_node(config)
    await node.start()
    try:
        return await node.partners.list()
    finally:
        await node.stop()
