"""`python -m bench.planning [acn|acnprice|network|price|euro|frontier|minrates|scale|all] [--quick]`:
Markdown tables (progress on stderr)."""

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
            print("\n".join(module.run(args.quick)), flush=True)


if __name__ == "__main__":
    main()
