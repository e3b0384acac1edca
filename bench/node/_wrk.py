"""The load generator: wrk (C, event loop per thread) driven by a generated Lua script, so the generator is
not what saturates first. Install it with `apt-get install -y wrk` (Debian/Ubuntu); the bench installs
nothing itself and stops with that hint when `wrk` is missing.

The Lua script sets the method, headers and body (or two bodies, one pass over the paths each in turn),
cycles through a list of paths (a PUT per session), counts
answers whose body lacks an expected marker (e.g. `"ACCEPTED"`), and prints one JSON line in `done()`.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Request", "WrkResult", "require_wrk", "run_wrk"]

INSTALL_HINT = "wrk not found: install it with `apt-get install -y wrk` (Debian/Ubuntu), then rerun"


@dataclass(frozen=True)
class Request:
    method: str
    paths: tuple[str, ...]  # cycled through, one per request
    headers: dict[str, str]
    body: str | None = None
    expect: str | None = None  # a substring every answer body must hold (checked by the script)
    next_body: str | None = None  # sent instead of `body` on every other pass over the paths


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors, non-2xx answers and bodies without the expected marker

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(INSTALL_HINT)
    return found


def _lua(request: Request) -> str:
    paths = ", ".join(json.dumps(p) for p in request.paths)
    headers = "".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in request.headers.items())
    expect = "nil" if request.expect is None else json.dumps(request.expect)
    return _SCRIPT.format(
        method=json.dumps(request.method),
        headers=headers,
        paths=paths,
        body="nil" if request.body is None else json.dumps(request.body),
        next_body="nil" if request.next_body is None else json.dumps(request.next_body),
        expect=expect,
    )


# JSON strings are valid Lua string literals for the ASCII we generate (no \u escapes used).
_SCRIPT = """
wrk.method = {method}
{headers}
local paths = {{ {paths} }}
local body = {body}
local next_body = {next_body}
local expect = {expect}
local threads = {{}}
local i = 0
unexpected = 0

setup = function(thread)
  table.insert(threads, thread)
end

request = function()
  i = i + 1
  if next_body ~= nil and math.floor(i / #paths) % 2 == 1 then
    return wrk.format(nil, paths[(i % #paths) + 1], nil, next_body)
  end
  return wrk.format(nil, paths[(i % #paths) + 1], nil, body)
end

if expect ~= nil then
  response = function(status, headers, answer)
    if not string.find(answer, expect, 1, true) then
      unexpected = unexpected + 1
    end
  end
end

done = function(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("unexpected") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout + bad))
end
"""


async def run_wrk(base_url: str, request: Request, connections: int, seconds: float) -> WrkResult:
    """One wrk run (one thread: the server is the bottleneck, not wrk) against `base_url`."""
    with tempfile.TemporaryDirectory(prefix="fera-wrk-") as tmp:
        script = Path(tmp) / "load.lua"
        script.write_text(_lua(request))
        process = await asyncio.create_subprocess_exec(
            require_wrk(),
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base_url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err.decode(errors='replace')}")
    line = next(ln for ln in reversed(out.decode().splitlines()) if ln.startswith("{"))
    raw = json.loads(line)
    return WrkResult(
        raw["requests"], raw["duration_us"] / 1e6, raw["p50_us"] / 1000, raw["p99_us"] / 1000, raw["errors"]
    )
