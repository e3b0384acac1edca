"""Calls to a running node's admin API (`/fera/admin/...`) at its listen address, failures as one line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from fera.admin.routes import ADMIN_PATH
from fera.cli._common import fail, node_url
from fera.config import NodeConfig

__all__ = ["admin_call", "is_serving"]


def admin_call(
    config: NodeConfig,
    method: str,
    path: str,
    *,
    base_url: str | None = None,
    content: bytes | None = None,
    json: Any = None,
    params: Mapping[str, str] | None = None,
    content_type: str = "application/json",
) -> Any:
    """The `data` of the node's answer; exits with one line when it is off, unreachable or refuses."""
    if config.admin_token is None:
        fail("the node has no admin_token, so its admin API is off: set [node] admin_token and restart it")
    base = (base_url or node_url(config)).rstrip("/")
    url = base + ADMIN_PATH + path
    headers = {"Authorization": f"Bearer {config.admin_token}", "Content-Type": content_type}
    try:
        response = httpx.request(
            method, url, content=content, json=json, params=params, headers=headers, timeout=60
        )
    except httpx.HTTPError as exc:
        fail(
            f"node {config.name} is not reachable at {base} ({type(exc).__name__}): is `fera serve` running?"
        )
    body = _body(response)
    if body is None:
        fail(
            f"{url} did not answer as a FERA node (HTTP {response.status_code}): check --url or [node] listen"
        )
    if body.get("status_code") != 1000:
        http = f" (HTTP {response.status_code})" if response.status_code != 200 else ""
        fail(f"{config.name} refused: {body.get('status_message')}{http}")
    return body.get("data")


def is_serving(config: NodeConfig) -> bool:
    """Whether something answers on the node's listen address (its versions endpoint)."""
    try:
        httpx.get(node_url(config) + "/ocpi/versions", timeout=5)
    except httpx.HTTPError:
        return False
    return True


def _body(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) and "status_code" in body else None
