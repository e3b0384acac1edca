"""`python -m bench.planning [acn|acnprice|network|price|euro|frontier|minrates|scale|all] [--quick]
[--seeds FIRST-LAST]`: Markdown tables (progress on stderr)."""

from __future__ import annotations

import argparse
import os

from bench.planning import acn, acnprice, euro, frontier, minrates, network, price, scale


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.planning")
    parser.add_argument(
        "which",
        nargs="?",
        choices=["acn", "acnprice", "network", "price", "euro", "frontier", "minrates", "scale", "all"],
        default="all",
    )
    parser.add_argument(
        "--quick", action="store_true", help="first week of ACN, two euro and frontier seeds, fewer sizes"
    )
    parser.add_argument(
        "--seeds",
        type=_seeds,
        help="euro: the seeds replayed, FIRST-LAST (default 1-5, --quick 1-2); 6-10 were held out",
    )
    args = parser.parse_args()
    for name, module in (
        ("acn", acn),
        ("acnprice", acnprice),
        ("network", network),
        ("price", price),
        ("euro", euro),
        ("frontier", frontier),
        ("minrates", minrates),
        ("scale", scale),
    ):
        if args.which in (name, "all"):
            load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
            print(f"\n## {name}\n\n{os.cpu_count()} cores, load average {load} at the start\n")
            lines = euro.run(args.quick, args.seeds) if module is euro else module.run(args.quick)
            print("\n".join(lines), flush=True)


def _seeds(given: str) -> range:
    first, _, last = given.partition("-")
    try:
        seeds = range(int(first), int(last or first) + 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{given!r} is not FIRST-LAST, e.g. 6-10") from None
    if not seeds or seeds.start < 1:
        raise argparse.ArgumentTypeError(f"{given!r}: seeds from 1 up, FIRST <= LAST")
    return seeds


if __name__ == "__main__":
    main()
