"""Public inputs of the European benchmark: ElaadNL distributions and Dutch day-ahead prices.

Both come from the `ev2gym` 2.0.0 wheel on PyPI (MIT), which ships them under `ev2gym/data/`. The wheel is
fetched at run time with `pip download --no-deps` into a cache directory and read as a zip; nothing of it is
installed or committed. If the download fails, a small synthetic stand-in is used and `source` says so.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
WHEEL = "ev2gym-2.0.0-py3-none-any.whl"
CACHE = Path(os.environ.get("FERA_BENCH_CACHE", Path.home() / ".cache" / "fera-bench"))


@dataclass(frozen=True)
class EuroData:
    source: str
    arrival: Floats
    """Relative weekday arrival rate of public chargers per quarter-hour of the day (96 values, sums to 1)."""
    energy_mean: Floats
    """Mean energy (kWh) asked by public sessions per half-hour of arrival (48 values)."""
    stay: Floats
    """P(stay in half-hour bin b | arrival hour h): 24 x 48, rows sum to 1 (bin b: b/2 to (b+1)/2 hours)."""
    prices: dict[date, Floats]
    """Day-ahead price per hour of local time (EUR/MWh), for the days of 2023 that have 24 hours."""


def _wheel() -> Path | None:
    path = CACHE / WHEEL
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "ev2gym==2.0.0", "-d", str(CACHE)]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError):
        return None
    return path if path.exists() else None


def _rows(z: zipfile.ZipFile, name: str) -> list[list[str]]:
    text = z.read(f"ev2gym/data/{name}").decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))[1:]


def _local(stamp: str) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(stamp, fmt)
        except ValueError:
            continue
    raise ValueError(f"unknown time format: {stamp}")


def _prices(rows: list[list[str]]) -> dict[date, Floats]:
    by_day: dict[date, dict[int, float]] = {}
    for row in rows:
        if "2023" not in row[2]:
            continue
        local = _local(row[2])
        by_day.setdefault(local.date(), {})[local.hour] = float(row[3])
    return {d: np.array([h[k] for k in range(24)]) for d, h in by_day.items() if len(h) == 24}


def _from_wheel(path: Path) -> EuroData:
    with zipfile.ZipFile(path) as z:
        arrival = np.array([float(r[2]) for r in _rows(z, "distribution-of-arrival.csv")])
        demand = {r[0]: float(r[2]) for r in _rows(z, "mean-demand-per-arrival.csv")}
        stay = np.load(io.BytesIO(z.read("ev2gym/data/time_of_connection_vs_hour.npy")))
        prices = _prices(_rows(z, "Netherlands_day-ahead-2015-2024.csv"))
    energy = np.array([demand[f"{k // 2:02d}:{30 * (k % 2):02d}"] for k in range(48)])
    return EuroData(f"ElaadNL via {WHEEL}", arrival / arrival.sum(), energy, stay, prices)


def synthetic() -> EuroData:
    """Shapes like the public data (evening arrival peak, evening price peak); not the real thing."""
    hours = np.arange(96) / 4
    arrival = 0.2 + np.exp(-(((hours - 8.5) / 1.5) ** 2)) + 1.3 * np.exp(-(((hours - 17.5) / 2.5) ** 2))
    energy = 13 + 7 * np.exp(-(((np.arange(48) / 2 - 22) / 4) ** 2))
    stay = np.zeros((24, 48))
    for h in range(24):
        centre = 20 if 16 <= h or h < 5 else 8
        stay[h] = np.exp(-(((np.arange(48) - centre) / 6) ** 2)) + 0.05
    day = (
        80
        + 30 * np.exp(-(((np.arange(24) - 8) / 1.5) ** 2))
        + 60 * np.exp(-(((np.arange(24) - 19) / 2) ** 2))
    )
    prices = {date(2023, 1, d): day * (0.9 + 0.02 * d) for d in range(1, 29)}
    return EuroData(
        "SYNTHETIC FALLBACK (ev2gym wheel not downloadable): figures are not ElaadNL",
        arrival / arrival.sum(), energy, stay / stay.sum(axis=1, keepdims=True), prices,
    )  # fmt: skip


def load() -> EuroData:
    path = _wheel()
    if path is None:
        return synthetic()
    try:
        return _from_wheel(path)
    except (KeyError, ValueError, zipfile.BadZipFile):
        return synthetic()
