"""ChargingProfiles end to end on real nodes on loopback: result latency per topology and the sustained rate.

Run: .venv/bin/python -m bench.chargingprofiles [--quick] [--requests N] [--postgres URL]

Per topology (A: eMSP -> CPO, B: SCSP -> eMSP (proxy) -> CPO, C: SCSP under contract -> CPO), all nodes
in this process, the CPO's in-process simulated stations answering at once:
- latency: `--requests` SetChargingProfile over `--sessions` sessions in parallel (one worker per session,
  closed loop); p50/p99 of the time from the sender creating the request (before its PUT) to the result
  arriving on its response_url (`ProfileRequest.result_latency_s`);
- baseline: as many authenticated GET /ocpi/2.2.1 round trips to the sender's Receiver node, same workers;
- sustained: accepted requests per second, results delivered, with `--parallel` sessions in parallel.
"""
