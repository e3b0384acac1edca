"""`python -m fera` and the `fera` script: Ctrl-C while the CLI is still being imported (a second or more on a
loaded machine) ends quietly too, like Ctrl-C in any command."""

from __future__ import annotations


def run() -> None:
    try:
        from fera.cli.main import main
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    main()


if __name__ == "__main__":
    run()
