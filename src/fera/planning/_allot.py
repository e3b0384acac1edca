"""A good first column for every block priced by `_columns`: its plan under an allotment of each priced limit.

Scaling the relaxed plan down at the steps a parent limit breaks gives a feasible mix, but one that drops
the energy it scales away (~5 % of the objective on `bench.planning scale`): the master's first prices are
then the unmet-energy penalty, far from the optimum's, and pricing spends rounds finding plans that move
that energy. Here each block (one or more sites) gets a share of every priced row's capacity, in proportion
to its load in a reference plan (the relaxed optimum, or a previous plan's), and where a row has room left,
that room in proportion to what the block could draw there. The shares sum to the capacity, so the blocks'
plans, each re-solved under its own shares (its LP plus one row per share, removed again afterwards), hold
every priced row together: a feasible plan that moves energy instead of dropping it, the master's first mix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fera.planning._grid import Floats, Ints


@dataclass(frozen=True, slots=True)
class Allotment:
    """Per block, the rows of its shares in CSR form over the block's own columns."""

    starts: Ints
    index: Ints
    value: Floats
    upper: Floats
    rows: Ints  # the linking row each share row caps


def allotments(
    block_cells: Sequence[Ints], cells: int, entry_row: Ints, entry_cell: Ints, entry_coef: Floats,
    cap: Floats, reference: Floats, upper: Floats,
) -> list[Allotment]:  # fmt: skip
    """Shares of every linking row (`entry_*`: its entries, `cap` its capacities) per block; `reference`: the
    cell powers the shares follow; `upper`: each cell's maximum power (what a block could draw)."""
    rows = cap.size
    block_of_cell = np.full(cells, -1, dtype=np.int64)
    local_of_cell = np.zeros(cells, dtype=np.int64)
    for b, c in enumerate(block_cells):
        block_of_cell[c] = b
        local_of_cell[c] = np.arange(c.size)
    keep = block_of_cell[entry_cell] >= 0
    row, cell, coef = entry_row[keep], entry_cell[keep], entry_coef[keep]
    key = block_of_cell[cell] * rows + row
    pairs, pair_of_entry = np.unique(key, return_inverse=True)
    load = np.bincount(pair_of_entry, weights=coef * reference[cell], minlength=pairs.size)
    reach = np.bincount(pair_of_entry, weights=coef * upper[cell], minlength=pairs.size)
    pair_row = pairs % rows
    total = np.bincount(pair_row, weights=load, minlength=rows)
    total_reach = np.bincount(pair_row, weights=reach, minlength=rows)
    over = total > cap
    scaled = load * cap[pair_row] / np.maximum(total[pair_row], 1e-12)
    room = np.maximum(cap - total, 0.0)[pair_row] * reach / np.maximum(total_reach[pair_row], 1e-12)
    share = np.where(over[pair_row], scaled, load + room)
    order = np.argsort(pair_of_entry, kind="stable")
    entry_pair = pair_of_entry[order]
    pair_block = pairs // rows
    out = []
    first_pair = np.searchsorted(pair_block, np.arange(len(block_cells) + 1))
    first_entry = np.searchsorted(entry_pair, first_pair)
    for b in range(len(block_cells)):
        lo, hi = int(first_pair[b]), int(first_pair[b + 1])
        e_lo, e_hi = int(first_entry[b]), int(first_entry[b + 1])
        starts = np.searchsorted(entry_pair[e_lo:e_hi], np.arange(lo, hi))
        out.append(
            Allotment(
                starts=starts.astype(np.int64),
                index=local_of_cell[cell[order[e_lo:e_hi]]],
                value=coef[order[e_lo:e_hi]],
                upper=share[lo:hi],
                rows=pair_row[lo:hi],
            )
        )
    return out
