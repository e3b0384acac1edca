"""The eMSP's tokens through the admin API: CSV or JSON import, update, patch, block; pushed to the CPO."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.nodes import role
from tests.wire.admin.provisioning import AUTH, AdminNode, admin_node

BASE = "/fera/admin/tokens"
CSV = {"Content-Type": "text/csv"} | AUTH
CARDS = "uid,contract_id,visual_number,valid\nCARD1,NL-MSP-C1,Card 1,\nCARD2,NL-MSP-C2,,no\n"


@pytest.fixture
async def emsp(tmp_path: Path) -> AsyncIterator[AdminNode]:
    async with admin_node(tmp_path, role("EMSP", party="MSP", name="My eMSP"), ("CPO", "tokens", "CPO")) as n:
        yield n


async def test_csv_import_fills_in_defaults_and_pushes_before_answering(emsp: AdminNode) -> None:
    answer = (await emsp.client.post(BASE, content=CARDS, headers=CSV)).json()

    assert answer["data"] == {"imported": ["CARD1", "CARD2"], "pushes": 2}
    assert [(m, p) for m, p, _ in emsp.pushes.calls] == [
        ("PUT", "/tokens/NL/MSP/CARD1?type=RFID"),
        ("PUT", "/tokens/NL/MSP/CARD2?type=RFID"),
    ]
    first, second = (body for _, _, body in emsp.pushes.calls)
    assert {k: v for k, v in first.items() if k != "last_updated"} == {
        "country_code": "NL",
        "party_id": "MSP",
        "uid": "CARD1",
        "type": "RFID",
        "contract_id": "NL-MSP-C1",
        "visual_number": "Card 1",
        "issuer": "My eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
    }
    assert second["valid"] is False and "visual_number" not in second


async def test_json_list_put_patch_and_block(emsp: AdminNode) -> None:
    tokens = [{"uid": "APP1", "type": "APP_USER", "contract_id": "NL-MSP-A1", "whitelist": "ALWAYS"}]
    assert (await emsp.client.post(BASE, content=json.dumps(tokens), headers=AUTH)).json()[
        "status_code"
    ] == 1000
    one = {"uid": "CARD9", "contract_id": "NL-MSP-C9"}
    put = await emsp.client.put(f"{BASE}/CARD9", content=json.dumps(one), headers=AUTH)
    assert put.json()["data"]["uid"] == "CARD9"

    patched = await emsp.client.patch(f"{BASE}/APP1?type=APP_USER", json={"language": "nl"}, headers=AUTH)
    assert patched.json()["data"]["language"] == "nl"
    method, path, body = emsp.pushes.calls[-1]
    assert (method, path, set(body)) == (
        "PATCH",
        "/tokens/NL/MSP/APP1?type=APP_USER",
        {"language", "last_updated"},
    )

    blocked = await emsp.client.delete(f"{BASE}/CARD9", headers=AUTH)
    assert blocked.json()["data"]["valid"] is False
    assert emsp.pushes.calls[-1][:2] == ("PATCH", "/tokens/NL/MSP/CARD9?type=RFID")
    assert emsp.pushes.calls[-1][2]["valid"] is False
    listed = (await emsp.client.get(BASE, headers=AUTH)).json()["data"]
    assert sorted(t["uid"] for t in listed) == ["APP1", "CARD9"]
    unknown = await emsp.client.delete(f"{BASE}/NOPE", headers=AUTH)
    assert (unknown.status_code, unknown.json()["status_message"]) == (404, "Unknown token NOPE (RFID)")


async def test_bad_rows_are_refused_naming_the_line_and_field(emsp: AdminNode) -> None:
    bad = "uid,contract_id,whitelist\nCARD1,NL-MSP-C1,ALLOWED\nCARD2,NL-MSP-C2,SOMETIMES\n"
    answer = (await emsp.client.post(BASE, content=bad, headers=CSV)).json()
    assert answer["status_code"] == 2001
    assert answer["status_message"].startswith(
        "Invalid or missing parameters: line 3 (uid CARD2): whitelist: Input should be 'ALWAYS'"
    )
    headerless = (await emsp.client.post(BASE, content="", headers=CSV)).json()
    assert headerless["status_message"] == (
        "Invalid or missing parameters: the CSV needs a header row naming at least uid and contract_id"
    )
    assert emsp.pushes.calls == []
