"""Requests per second, p50/p99 latency and CPU per request of a FERA CPO node against a bare FastAPI app.

Run: .venv/bin/python -m bench.node [--quick] [--postgres URL] (needs wrk)

A CPO node holds `--locations` published locations, ACTIVE sessions and one eMSP registered by the real
credentials handshake. Measured, with the eMSP's token: version details (`/ocpi/2.2.1`), a page of the
Locations Sender (`/ocpi/2.2.1/sender/locations?limit=50`) and PUT chargingprofiles (whose jobs run in the
node: their results reach a sink in the bare app's process). The node is served by uvicorn in a child
process, the load comes from wrk; the baseline is a bare FastAPI app, served the same way in the same run,
answering the very JSON bodies FERA answered (no auth, store or validation). See bench/README.md.
"""
