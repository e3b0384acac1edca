"""`python -m bench.planning [acn|price|scale|all] [--quick]`: prints Markdown tables (progress on stderr)."""

from __future__ import annotations

import argparse

from bench.planning import acn, price, scale


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.planning")
    parser.add_argument("which", nargs="?", choices=["acn", "price", "scale", "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="first week of ACN, fewer sizes")
    args = parser.parse_args()
    for name, module in (("acn", acn), ("price", price), ("scale", scale)):
        if args.which in (name, "all"):
            print(f"\n## {name}\n")
            print("\n".join(module.run(args.quick)), flush=True)


if __name__ == "__main__":
    main()
