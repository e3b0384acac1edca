"""Requests per second and p50/p99 latency of a FERA node's GETs against a bare FastAPI app.

Run: .venv/bin/python -m bench.node [--quick] [--postgres URL]

A CPO node holds `--locations` published locations and one eMSP registered by the real credentials handshake.
Two authenticated GETs are measured: version details (`/ocpi/2.2.1`) and a page of the Locations Sender
(`/ocpi/2.2.1/sender/locations?limit=50`). The node is served by uvicorn in a child process; the load
generator (N workers on one httpx.AsyncClient) runs in this process. The baseline is a bare FastAPI app,
served the same way in the same run, answering the very JSON bodies FERA answered (no auth, store or
validation).
"""
