"""`python -m bench.steering [--days N] [--seed S] [--per-day N]`: the SCSP's path on a European site.

Prints % of the hindsight energy bound, cost vs the cheapest delivery of the same energy, and kWh over any
fuse (each phase of the connection and of the carport sub-board, per 15-minute step).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

import numpy as np

from bench.steering import _bound, _site
from bench.steering._replay import replay


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.steering")
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-day", type=int, default=26)
    args = parser.parse_args()
    cars = _site.fleet(args.days, args.seed, args.per_day)
    prices = _site.prices(args.days + 2, args.seed)  # the last night's cars leave the day after
    print(f"{len(cars)} cars over {args.days} days, seed {args.seed}", file=sys.stderr)
    began = time.perf_counter()
    outcome = asyncio.run(replay(cars, prices, _site.site_config(), args.days))
    replay_s = time.perf_counter() - began
    bound = _bound.hindsight(cars, prices)
    bound_kwh = float(bound.power_w.sum()) * _site.STEP.total_seconds() / 3.6e6
    online_kwh = sum(outcome.delivered_kwh.values())
    online = np.array([outcome.power_kw[c.id] for c in cars])
    cheapest = _bound.cheapest(cars, outcome.delivered_kwh, prices)
    online_cost, cheapest_cost = _bound.cost(online, prices), _bound.cost(cheapest.power_w / 1e3, prices)
    requested = sum(c.energy_kwh for c in cars)
    truth_kwh = _bound.told_the_truth(cars, prices)
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}; replay {replay_s:.1f} s")
    print("| measure | value |\n|---|---|")
    print(f"| cars | {len(cars)} ({sum(c.phases < 3 for c in cars)} with fewer than 3 phases) |")
    print(f"| requested kWh | {requested:.1f} |")
    print(f"| hindsight bound kWh | {bound_kwh:.1f} |")
    print(f"| delivered kWh (SteeringPlanner) | {online_kwh:.1f} |")
    print(f"| % of the hindsight bound | {100 * online_kwh / bound_kwh:.2f} |")
    print(f"| plan() online told each car's truth: % of the bound | {100 * truth_kwh / bound_kwh:.2f} |")
    print(f"| cost EUR / cheapest for the same energy | {online_cost:.2f} / {cheapest_cost:.2f} "
          f"(+{100 * (online_cost / cheapest_cost - 1):.1f} %) |")  # fmt: skip
    print(f"| kWh over any fuse | {outcome.over_fuse_kwh:.3f} |")
    peaks = ", ".join(f"{k} {v:.1f} A" for k, v in sorted(outcome.peak_a.items()))
    print(f"| peak current per phase | {peaks} |")
    print(f"| profiles sent | {outcome.profiles_sent} |")


if __name__ == "__main__":
    main()
