"""A binding parent limit over many sites is priced (column generation, `_columns`) instead of joining its
sites into one LP: the plan holds every limit and its objective is the single LP's within the proven gap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import cast

import numpy as np
import pytest
from bench.planning.scale import synthetic

from fera.planning import Plan, PlanningProblem, Session, _ahead, _columns, _pricing, plan
from fera.planning._allot import allotments
from fera.planning._grid import build_grid
from tests.unit.planning.factory import STEP
from tests.unit.planning.test_planning_decompose import _check_limits, _objective, _problem

TOL_W = 1e-3


@pytest.fixture
def priced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Price binding parents however few cells they join (the default prices only big ones)."""
    monkeypatch.setattr(_pricing, "COLUMNS_CELLS", 0)


def _assert_exact(problem: PlanningProblem, result: Plan, whole: Plan) -> None:
    optimum = _objective(problem, whole)
    assert _objective(problem, result) == pytest.approx(optimum, rel=_columns.GAP)  # issue 11 asks 1e-3
    assert result.unmet_kwh.sum() == pytest.approx(whole.unmet_kwh.sum(), rel=1e-3)
    _check_limits(problem, result)
    for row, s in zip(result.power_w, problem.sessions, strict=True):
        assert row.max() <= s.max_power_w + 1e-3
        assert row.sum() * STEP.total_seconds() / 3.6e6 <= s.energy_kwh + 1e-6


@pytest.mark.parametrize(("seed", "feeder_kw"), [(3, 60.0), (5, 60.0), (5, 80.0)])
@pytest.mark.usefixtures("priced")
def test_a_priced_feeder_gives_the_single_lps_optimum(seed: int, feeder_kw: float) -> None:
    problem = _problem(seed, feeder_kw)
    result = plan(problem)
    whole = plan(problem, decompose=False)
    assert result.stats.status == whole.stats.status == "Optimal"
    assert result.stats.priced > 0 and result.stats.rounds == 1  # priced, not joined
    assert 0 <= result.stats.gap <= _columns.GAP
    _assert_exact(problem, result, whole)
    prices = result.shadow_prices[("feeder", "total")]
    assert prices.shape == (result.steps,) and prices.min() >= 0 and prices.max() > 0


def test_each_block_gets_its_share_of_every_row() -> None:
    """Two blocks of two cells, two rows (steps): row 0 overloaded by the reference (scaled to its cap),
    row 1 with room (split by what each block could still draw there)."""
    shares = allotments(
        [np.array([0, 1]), np.array([2, 3])], 4, np.array([0, 1, 0, 1]), np.array([0, 1, 2, 3]), np.ones(4),
        cap=np.array([10.0, 10.0]), reference=np.array([9.0, 2.0, 6.0, 4.0]),
        upper=np.array([11.0, 11.0, 11.0, 5.0]),
    )  # fmt: skip
    expected = [6.0, 2 + 4 * 11 / 16, 4.0, 4 + 4 * 5 / 16]
    assert np.concatenate([a.upper for a in shares]).tolist() == pytest.approx(expected)
    assert np.sum([a.upper for a in shares], axis=0).tolist() == pytest.approx([10.0, 10.0])
    for a in shares:  # one row per share, over the block's own columns
        assert a.rows.tolist() == [0, 1] and a.starts.tolist() == [0, 1] and a.index.tolist() == [0, 1]


def test_the_first_prices_are_quantiles_of_what_the_shares_are_worth() -> None:
    """Per linking row, over the blocks with a share there (in any order), each of `FIRST_PRICES`; a row no
    block shares is priced 0."""
    rows = np.array([0, 0, 0, 0, 0, 2, 2])
    worth = np.array([4.0, 0.0, 3.0, 1.0, 2.0, 7.0, 5.0])
    quantiles = _columns._worth_quantiles(rows, worth, 3)
    assert _columns.FIRST_PRICES == (0.75, 0.6, 0.9)
    assert [q.tolist() for q in quantiles] == [[3.0, 0.0, 5.0], [2.0, 0.0, 5.0], [3.0, 0.0, 5.0]]
    assert [q.tolist() for q in _columns._worth_quantiles(rows[:0], worth[:0], 2)] == [[0.0, 0.0]] * 3


class _Held:
    """What `_rebalance` reads of a block within its shares: one share per row here."""

    def __init__(self, upper: list[float], load: list[float], reach: list[float], worth: list[float]) -> None:
        self.upper, self.reach = np.array(upper), np.array(reach)
        self.worth, self._load = np.array(worth), np.array(load)
        self.share = type("Share", (), {"rows": np.arange(len(upper))})()
        self.block = self

    def load(self) -> np.ndarray:
        return self._load


def test_share_left_unused_goes_to_the_blocks_it_binds() -> None:
    """Row 0: block a leaves 4 of its 6 kW unused; b and c bind there (worth > 0) and could draw 2 and 6 kW
    more: they get 1 and 3. Row 1: nobody binds, nothing moves. Every row's shares still sum to its cap."""
    a = _Held(upper=[6.0, 5.0], load=[2.0, 1.0], reach=[9.0, 9.0], worth=[0.0, 0.0])
    b = _Held(upper=[2.0, 5.0], load=[2.0, 2.0], reach=[4.0, 9.0], worth=[3.0, 0.0])
    c = _Held(upper=[2.0, 5.0], load=[2.0, 3.0], reach=[8.0, 9.0], worth=[1.0, 0.0])
    before = a.upper + b.upper + c.upper
    grown = _columns._rebalance(cast(list[_columns._Within], [a, b, c]), 2)
    assert [id(x) for x in grown] == [id(b), id(c)]
    assert [a.upper.tolist(), b.upper.tolist(), c.upper.tolist()] == [[2.0, 5.0], [3.0, 5.0], [5.0, 5.0]]
    assert (a.upper + b.upper + c.upper).tolist() == before.tolist()
    alone = cast(list[_columns._Within], [_Held([1.0], [1.0], [2.0], [0.0])])
    assert _columns._rebalance(alone, 1) == []  # nothing unused: no change


@pytest.mark.usefixtures("priced")
def test_a_hard_feeder_is_proven_in_few_master_lps() -> None:
    """200 sites under a transformer that costs them energy at most steps: priced first at the shares'
    worth quantiles, the bound is near the optimum from the start and 7 master LPs prove the gap (at their
    median 17, at their least 28, from zero prices 39)."""
    problem = synthetic(2_000, seed=1, transformer_kw_per_site=8.0)
    result = plan(problem)
    assert result.stats.rounds == 1 and 1 < result.stats.priced <= 10
    assert 0 <= result.stats.gap <= _columns.GAP
    _holds_every_limit(problem, result)


@pytest.mark.parametrize(("seed", "feeder_kw"), [(3, 60.0), (5, 60.0), (5, 80.0)])
@pytest.mark.usefixtures("priced")
def test_the_shares_worth_prices_the_first_round(
    seed: int, feeder_kw: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From zero prices these took 16-70 pricing rounds to a 1e-7 gap; priced at what the blocks' shares are
    worth to them, one round proves it."""
    monkeypatch.setattr(_columns, "GAP", 1e-7)
    problem = _problem(seed, feeder_kw)
    result = plan(problem)
    assert result.stats.priced <= 2 and result.stats.rounds == 1
    whole = plan(problem, decompose=False)
    assert _objective(problem, result) == pytest.approx(_objective(problem, whole), rel=1e-7)


@pytest.mark.usefixtures("priced")
def test_a_round_adds_only_the_most_improving_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cap on the columns per round (it keeps a 1,000-site master small) costs rounds, not exactness. A
    limit that costs energy over 20 sites: the first columns do not prove the gap there, pricing must."""
    added: list[int] = []
    add = _columns._Master.add

    def counted(master: _columns._Master, which: np.ndarray, *args: object) -> None:
        added.append(int(which.size))
        add(master, which, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_columns._Master, "add", counted)
    monkeypatch.setattr(_columns, "COLUMNS_PER_ROUND", 10)
    problem = synthetic(200, seed=2, transformer_kw_per_site=8.0)
    result = plan(problem)
    assert result.stats.priced > 1 and result.stats.rounds == 1
    pricing = added[4:]  # the first four batches (zero, relaxed, scaled, allotted plans) have one per site
    assert pricing and max(pricing) == 10
    whole = plan(problem, decompose=False)
    assert _objective(problem, result) == pytest.approx(_objective(problem, whole), rel=_columns.GAP)
    assert result.unmet_kwh.sum() == pytest.approx(whole.unmet_kwh.sum(), rel=1e-3)
    _holds_every_limit(problem, result)


@pytest.mark.parametrize(("seed", "kw_per_site"), [(2, 8.0), (3, 8.0), (1, 9.0)])
@pytest.mark.usefixtures("priced")
def test_a_limit_that_costs_energy_is_priced_to_the_single_lps_optimum(seed: int, kw_per_site: float) -> None:
    """20 sites under a transformer cut until it binds at most steps and the sites lose energy to it (the
    allotment alone is not optimal there: pricing rounds close the gap). The gap the method proves
    must be true of the single LP's optimum; a method that stops being exact fails here."""
    problem = synthetic(200, seed=seed, transformer_kw_per_site=kw_per_site)
    result = plan(problem)
    whole = plan(problem, decompose=False)
    relaxed = plan(synthetic(200, seed=seed, transformer_kw_per_site=30.0))
    assert whole.unmet_kwh.sum() > relaxed.unmet_kwh.sum() + 100  # the limit costs energy, not just shifts it
    assert result.stats.priced >= 2 and result.stats.rounds == 1  # priced (a round at least), not joined
    assert 0 <= result.stats.gap <= _columns.GAP
    gap = (_objective(problem, result) - _objective(problem, whole)) / abs(_objective(problem, whole))
    assert -1e-9 <= gap <= result.stats.gap + 1e-9  # never better than the optimum, within the proven gap
    assert gap <= 1e-3  # issue 11's bound, whatever `_columns.GAP` becomes
    assert result.unmet_kwh.sum() == pytest.approx(whole.unmet_kwh.sum(), rel=1e-3)
    _holds_every_limit(problem, result)


@pytest.mark.usefixtures("priced")
def test_idle_columns_are_dropped_and_the_plan_stays_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns out of the master's basis for `IDLE_ROUNDS` master LPs leave it (they slow every pivot)."""
    monkeypatch.setattr(_columns, "IDLE_ROUNDS", 3)
    monkeypatch.setattr(_columns, "GAP", 1e-5)
    sizes: list[tuple[int, int]] = []
    drop = _columns._Master._drop_idle

    def counted(master: _columns._Master) -> None:
        before = master.h.getNumCol()
        drop(master)
        sizes.append((before, master.h.getNumCol()))
        assert master.h.getNumCol() == master.batch.size == master.place.size == master.idle.size

    monkeypatch.setattr(_columns._Master, "_drop_idle", counted)
    problem = synthetic(200, seed=2, transformer_kw_per_site=10.0)
    result = plan(problem)
    assert result.stats.priced > 2 and any(after < before for before, after in sizes)
    whole = plan(problem, decompose=False)
    assert _objective(problem, result) == pytest.approx(_objective(problem, whole), rel=_columns.GAP)
    _holds_every_limit(problem, result)


@pytest.mark.usefixtures("priced")
def test_the_first_columns_leave_sooner_than_pricings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first four batches (one column per site each) leave after `FIRST_IDLE_ROUNDS` idle master LPs,
    pricing's columns only after `IDLE_ROUNDS`."""
    monkeypatch.setattr(_columns, "IDLE_ROUNDS", 1_000)
    monkeypatch.setattr(_columns, "FIRST_IDLE_ROUNDS", 2)
    monkeypatch.setattr(_columns, "GAP", 1e-5)
    dropped: list[int] = []
    drop = _columns._Master._drop_idle

    def counted(master: _columns._Master) -> None:
        before = master.batch.copy()
        drop(master)
        batches = len(master.owner)
        lost = np.bincount(before, minlength=batches) - np.bincount(master.batch, minlength=batches)
        dropped.extend(np.flatnonzero(lost).tolist())

    monkeypatch.setattr(_columns._Master, "_drop_idle", counted)
    problem = synthetic(200, seed=2, transformer_kw_per_site=8.0)
    result = plan(problem)
    assert result.stats.priced > 3 and dropped and max(dropped) < 4
    whole = plan(problem, decompose=False)
    assert _objective(problem, result) == pytest.approx(_objective(problem, whole), rel=_columns.GAP)
    _holds_every_limit(problem, result)


def _holds_every_limit(problem: PlanningProblem, result: Plan) -> None:
    """Every group's total and per-phase limit at every step, and every session's maximum and need."""
    grid = build_grid(problem)
    kw = result.power_w / 1e3
    for group in grid.groups:
        m = group.members
        if group.cap_kw is not None:
            assert (grid.total_weight[m] @ kw[m] <= group.cap_kw + 1e-6).all()
        if group.phase_cap_kw is not None:
            assert (grid.phase_share[m].T @ kw[m] <= group.phase_cap_kw + 1e-6).all()
    assert (kw <= grid.pmax_kw[:, None] + 1e-6).all()
    assert (kw.sum(axis=1) * grid.hours <= grid.energy_kwh + 1e-6).all()


@pytest.mark.usefixtures("priced")
def test_a_replan_allots_along_the_previous_plan() -> None:
    problem = _problem(3, 60.0)
    first = plan(problem)
    arrived = Session("new", problem.now, problem.now + 8 * STEP, 5.0, 7_400.0, group_id="s0")
    later = replace(
        problem,
        now=problem.now + STEP,
        sessions=[*problem.sessions, arrived],
        price=_a_step_later(problem.price),
    )
    grid = build_grid(later)
    carried = _pricing.carried_power(later, first, grid)
    assert carried is not None
    new = grid.cell_session == len(problem.sessions)
    assert np.isnan(carried[new]).all()
    session, step = grid.cell_session[~new], grid.cell_step[~new]
    np.testing.assert_array_equal(carried[~new], first.power_w[session, step + 1] / 1e3)
    result = plan(later, previous=first)
    assert result.stats.priced > 0
    _assert_exact(later, result, plan(later, decompose=False))


@pytest.mark.usefixtures("priced")
def test_a_replan_a_step_later_shifts_the_prices() -> None:
    problem = _problem(3, 60.0)
    first = plan(problem)
    later = PlanningProblem(
        problem.now + STEP, STEP, problem.sessions, problem.groups, _a_step_later(problem.price)
    )
    result = plan(later, previous=first)
    assert result.stats.priced > 0
    _assert_exact(later, result, plan(later, decompose=False))


@pytest.mark.usefixtures("priced")
def test_pricing_that_does_not_converge_joins_the_sites(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_columns, "MAX_ROUNDS", 0)
    problem = _problem(3, 60.0)
    result = plan(problem)
    assert result.stats.rounds == 2 and result.stats.priced == 0 and not result.shadow_prices
    _assert_exact(problem, result, plan(problem, decompose=False))


@pytest.mark.usefixtures("priced")
def test_an_lp_highs_does_not_solve_joins_the_sites(monkeypatch: pytest.MonkeyPatch) -> None:
    def unsolved(h: object) -> None:
        raise _columns.Unsolved("Time limit reached")

    monkeypatch.setattr(_columns, "_optimal", unsolved)
    problem = _problem(3, 60.0)
    result = plan(problem)
    assert result.stats.rounds == 2 and result.stats.priced == 0 and not result.shadow_prices
    _assert_exact(problem, result, plan(problem, decompose=False))


def test_a_small_binding_feeder_is_still_joined() -> None:
    result = plan(_problem(3, 60.0))
    assert result.stats.rounds == 2 and result.stats.priced == 0


@pytest.mark.usefixtures("priced")
@pytest.mark.parametrize(("kw_per_site", "ahead"), [(8.0, 1), (12.0, 0)])
def test_the_first_pricing_round_runs_beside_the_first_master_lp(
    monkeypatch: pytest.MonkeyPatch, kw_per_site: float, ahead: int
) -> None:
    """Where the allotted plans do not prove the gap, the blocks are re-solved at the first round's prices
    on a second thread while the master's first LP solves: the same plan as re-solving them in turn after
    it. Where they prove it (a limit that only shifts energy), nothing is started."""
    started: list[str] = []

    class InTurn:
        """`_ahead.Ahead`'s work, done by the caller when it asks for the results."""

        def __init__(self, work: Callable[[object], object], items: Sequence[object]) -> None:
            self.work, self.items = work, items
            started.append("in turn")

        def results(self) -> list[object]:
            return [self.work(item) for item in self.items]

        def cancel(self) -> None:
            pass

    problem = synthetic(200, seed=2, transformer_kw_per_site=kw_per_site)
    beside = plan(problem)
    monkeypatch.setattr(_ahead, "Ahead", InTurn)
    in_turn = plan(problem)
    assert started == ["in turn"] * ahead
    assert beside.stats.priced == in_turn.stats.priced and (ahead == 0 or beside.stats.priced > 1)
    np.testing.assert_array_equal(beside.power_w, in_turn.power_w)


def _a_step_later(price: float | Sequence[float]) -> Sequence[float]:
    assert isinstance(price, Sequence)  # these problems have a price per step
    return price[1:]


@pytest.mark.usefixtures("priced")
def test_minimum_rates_are_kept_inside_the_parts_a_failed_pricing_leaves_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A plan about to be priced skips its first round's minimum-rate rounding (the master re-plans it);
    when pricing then fails, the sites are joined and re-solved, and the parts outside the feeder keep
    their first round's plans: rounded then."""
    monkeypatch.setattr(_columns, "MAX_ROUNDS", 0)
    problem = _problem(3, 60.0)
    minima = [4_140.0 if len(s.phases) == 3 else 1_380.0 for s in problem.sessions]
    problem = replace(
        problem, sessions=[replace(s, min_rate_w=m) for s, m in zip(problem.sessions, minima, strict=True)]
    )
    result = plan(problem)
    assert result.stats.rounds == 2 and result.stats.priced == 0
    outside = [i for i, s in enumerate(problem.sessions) if s.group_id is None]
    assert outside
    for i in outside:
        row = result.power_w[i]
        assert not ((row > TOL_W) & (row < minima[i] - TOL_W)).any(), (problem.sessions[i].id, row)
    assert result.unmet_kwh[outside].sum() == pytest.approx(0, abs=1e-6)
