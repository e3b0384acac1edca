"""A node's ports: `free_port` never hands out one port twice, and a config cannot put the OCPP gateway on
the node's own listen port (both sockets would listen; the API's calls would reach the gateway)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

import fera.server
from fera.config import NodeConfig
from fera.server import free_port


class _Bound:
    def __init__(self, port: int) -> None:
        self.port = port

    def getsockname(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    def __enter__(self) -> _Bound:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_a_port_the_kernel_picks_again_is_not_handed_out_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # The kernel may give a just-closed port to the next bind: the demo once ran a CPO's API and its OCPP
    # gateway on one port, and its API calls were answered by the gateway.
    real = free_port()  # one the real kernel picked: never given again
    picks: Iterator[int] = iter([real, 40001, 40001, 40001, 40002])

    def kernel(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
        return _Bound(next(picks))  # type: ignore[return-value]

    monkeypatch.setattr(fera.server, "bind", kernel)
    assert [free_port(), free_port()] == [40001, 40002]


def config(listen: str, ocpp_listen: str | None) -> NodeConfig:
    role = {"role": "CPO", "country_code": "NL", "party_id": "CPO", "name": "CPO"}
    return NodeConfig.model_validate(
        {"public_url": "http://cpo", "listen": listen, "ocpp_listen": ocpp_listen, "roles": [role]}
    )


@pytest.mark.parametrize(
    ("listen", "ocpp_listen"),
    [
        ("127.0.0.1:8000", "127.0.0.1:8000"),
        ("0.0.0.0:8000", "127.0.0.1:8000"),
        ("127.0.0.1:8000", "0.0.0.0:8000"),
    ],
)
def test_the_gateway_cannot_share_the_listen_port(listen: str, ocpp_listen: str) -> None:
    with pytest.raises(ValidationError, match="give the gateway its own port"):
        config(listen, ocpp_listen)


@pytest.mark.parametrize(
    ("listen", "ocpp_listen"),
    [
        ("127.0.0.1:8000", "127.0.0.1:9000"),
        ("127.0.0.1:8000", "127.0.0.2:8000"),
        ("127.0.0.1:0", "127.0.0.1:0"),
        ("127.0.0.1:8000", None),
    ],
)
def test_a_gateway_on_another_port_or_address_is_accepted(listen: str, ocpp_listen: str | None) -> None:
    assert config(listen, ocpp_listen).ocpp_listen == ocpp_listen
