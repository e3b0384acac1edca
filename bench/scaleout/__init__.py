"""Requests per second of one node served by 1 and by 2 API processes (`fera serve --parts api`) on one
PostgreSQL database.

Run: .venv/bin/python -m bench.scaleout --postgres postgresql+asyncpg://... [--quick]

The CPO node of `bench.node` (its locations, one eMSP registered) is served by N child processes, each on its
own port (as N `fera serve --parts api` behind a proxy); the load generator in this process splits its
workers evenly over them. Two GETs: version details (no database) and a page of the Locations Sender (the
database). On a machine with fewer cores than processes plus the load generator, the second process adds
little: the table says how many cores there were.
"""
