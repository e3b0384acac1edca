"""The grid as it is, end to end: an SCSP plans a contracted site, the CPO enforces the same site per phase.

A 3x40 A connection; two single-phase EVSEs both on L1, a three-phase EVSE wired L2-L3-L1 and one wired
L3-L1-L2 on which a single-phase car charges (so on L3). Real nodes on loopback, real OCPP stations (1.6
single-phase, 2.0.1 three-phase) in simulated real time. Checked: the SCSP's plan, the CPO's site shares and
what the stations drew each keep every phase within 40 A, the two learn each car's phases from its meter,
and what each station meters is what both allow (the lower of plan and share).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from fera.charging import Electrical
from fera.charging.site import DROP_LEAD
from fera.config import ContractConfig, SiteConfig
from fera.cpo import cpo_of
from fera.ocpi.locations.models import Location, PowerType
from fera.ocpi.sessions.models import CdrDimensionType, Session
from fera.ocpp.simulator import EvArrival, PowerTracker, StationSpec
from fera.planning import floor_tenth
from fera.scsp.planning_state import LatestPlan
from fera.sessions_events import LocationChanged
from tests.integration.chargingprofiles.setup import location
from tests.integration.stations.conftest import StageFactory
from tests.integration.stations.stage import PASSWORD, Recorder, Stage
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(240)
FUSE_A = 40.0
WIRING = {
    "LOC1-E1": ("L1",),
    "LOC1-E2": ("L1",),
    "LOC1-E3": ("L2", "L3", "L1"),
    "LOC1-E4": ("L3", "L1", "L2"),
}
SITE = SiteConfig(location="LOC1", phase_amps=FUSE_A, phases={k: list(v) for k, v in WIRING.items()})
EVSE_OF = {("ST16", 1): "LOC1-E1", ("ST16", 2): "LOC1-E2", ("ST201", 1): "LOC1-E3", ("ST201", 2): "LOC1-E4"}
CAR_PHASES = {"LOC1-E1": 1, "LOC1-E2": 1, "LOC1-E3": 3, "LOC1-E4": 1}
EVSE_PHASES = {"LOC1-E1": 1, "LOC1-E2": 1, "LOC1-E3": 3, "LOC1-E4": 3}
SPECS = (
    StationSpec("ST16", "1.6", connectors=2, password=PASSWORD, electrical=Electrical("AC_1_PHASE", 230, 32)),
    StationSpec("ST201", "2.0.1", connectors=2),
)
CONVERGED_S = 150.0  # a loaded 2-core machine: generous (one round took 30 s at a load average of 28)


def site_location() -> Location:
    loc = location("LOC1", evses=4)
    for evse in loc.evses or []:
        if EVSE_PHASES[evse.uid] == 1:
            evse.connectors[0].power_type = PowerType.AC_1_PHASE
    return loc


def cars() -> tuple[EvArrival, ...]:
    start = datetime.now(UTC)
    stay = start + timedelta(hours=30)
    return (
        EvArrival(start, stay, 500.0, 7.4, "ST16", 1, phases=1),
        EvArrival(start, stay, 500.0, 7.4, "ST16", 2, phases=1),
        EvArrival(start, stay, 500.0, 22.0, "ST201", 1, phases=3),
        EvArrival(start, stay, 500.0, 7.4, "ST201", 2, phases=1),  # one phase on a three-phase EVSE
    )


def site_phases(evse_uid: str) -> tuple[str, ...]:
    return WIRING[evse_uid][: CAR_PHASES[evse_uid]]


def metered_a(session: Session) -> float | None:
    periods = session.charging_periods or []
    dims = {d.type: d.volume for d in periods[-1].dimensions} if periods else {}
    return dims.get(CdrDimensionType.CURRENT)


async def with_scsp(stages: StageFactory, node_factory: NodeFactory) -> tuple[Stage, RunningNode, str]:
    contract = ContractConfig(scsp="NL*SCS", locations=["LOC1"])
    stage = await stages(sites=[SITE], contracts=[contract])
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", sites=[SITE])
    cpo_at_scsp, _ = await connect(scsp, stage.cpo)
    located = Recorder(scsp.node.events, LocationChanged)
    await cpo_of(stage.cpo.node).locations.put_location(site_location())
    await located.wait(
        lambda e: any(c.power_type == "AC_1_PHASE" for ev in e.location.evses or [] for c in ev.connectors)
    )
    return stage, scsp, cpo_at_scsp.id


async def ongoing(stage: Stage) -> list[Session]:
    out = []
    for session_id in {e.session.id for e in stage.cpo_sessions.items}:
        stored = await cpo_of(stage.cpo.node).sessions.session(session_id)
        assert stored is not None
        out.append(stored.session)
    return out


def planned_a(
    latest: LatestPlan, partner: str, session: Session, now: datetime
) -> tuple[float, tuple[str, ...]]:
    """The plan's current per phase for the session now, and the site phases it is planned on."""
    plan_id = f"{partner}/{session.id}"
    planned = latest.session(plan_id)
    # A managed site's TxProfile steps down DROP_LEAD early: in force now is the lower of now and then.
    planned_w = [latest.planned_w(plan_id, t) for t in (now, now + DROP_LEAD)]
    watts = min((w for w in planned_w if w is not None), default=0.0)
    return floor_tenth(watts / (230 * len(planned.phases))), tuple(
        p.value for p in (planned.loads or planned.phases)
    )


async def share_a(stage: Stage, session: Session, now: datetime) -> float:
    module = stage.cpo.node.cpo_profiles
    assert module is not None and module.sites is not None
    steerable = await module.sessions.find(session.id)
    assert steerable is not None
    limit = await module.sites.limits.for_session(steerable)
    assert limit is not None
    watts = min(w for w in (limit.limit_at(now), limit.limit_at(now + DROP_LEAD)) if w is not None)
    return floor_tenth(watts / (230 * EVSE_PHASES[session.evse_uid]))


def within_fuse(loads: dict[str, float]) -> bool:
    return all(v <= FUSE_A + 1e-6 for v in loads.values())


async def agreement(stage: Stage, scsp: RunningNode, partner: str) -> str | None:
    """Why the stations do not (yet) meter min(plan, share) with plan and CPO both knowing every car's
    phases; None once they do."""
    sessions = await ongoing(stage)
    planner = scsp.node.planner
    # One plan for every session: a re-plan landing while the shares are read (each an await) would mix two
    # plans' loads (a hand-over counted from both sides: 41.9 A on a 40 A phase in one run).
    latest = None if planner is None else planner.latest
    if len(sessions) < 4 or latest is None:
        return f"{len(sessions)} sessions, no plan yet"
    now = datetime.now(UTC)
    plan_loads = dict.fromkeys(("L1", "L2", "L3"), 0.0)
    share_loads = dict.fromkeys(("L1", "L2", "L3"), 0.0)
    for session in sessions:
        if f"{partner}/{session.id}" not in latest.plan.session_ids:
            return f"{session.id} arrived after the latest plan"
        plan, planned_on = planned_a(latest, partner, session, now)
        share, metered = await share_a(stage, session, now), metered_a(session)
        if planned_on != site_phases(session.evse_uid) or metered is None:
            return f"{session.id}: planned on {planned_on}, metered {metered}"  # meter not seen yet
        if abs(metered - min(plan, share)) > 0.15:
            return f"{session.id}: metered {metered} A, plan {plan} A, share {share} A"
        for phase in site_phases(session.evse_uid):
            plan_loads[phase] += plan
            share_loads[phase] += share
    assert within_fuse(plan_loads), plan_loads
    assert within_fuse(share_loads), share_loads
    return None


def drawn_peaks(tracker: PowerTracker) -> dict[str, float]:
    """The highest current each phase carried at any instant, from each connector's own power timeline as its
    station drew it (simulated time). Not from meter readings: a limit that changes while a station's
    previous reading is on its way to the CPO shows only in its next reading, stamped later."""
    steps: list[tuple[datetime, str, float]] = []  # (instant, phase, change in A)
    for (station_id, connector_id), samples in tracker.connector_samples.items():
        phases, previous = site_phases(EVSE_OF[(station_id, connector_id)]), 0.0
        for at, watts in samples:
            amps = watts / (230 * len(phases))
            steps += [(at, phase, amps - previous) for phase in phases]
            previous = amps
    load, peaks = dict.fromkeys(("L1", "L2", "L3"), 0.0), dict.fromkeys(("L1", "L2", "L3"), 0.0)
    for _, phase, change in sorted(steps, key=lambda s: (s[0], s[2])):  # decreases first at one instant
        load[phase] += change
        peaks[phase] = max(peaks[phase], round(load[phase], 6))
    return peaks


async def settled(stage: Stage, scsp: RunningNode) -> None:
    """No re-plan pending at the SCSP, no share or profile on its way at the CPO, then one fresh meter
    reading of every car (taken under the limits now in force)."""
    module = stage.cpo.node.cpo_profiles
    assert scsp.node.planner is not None and module is not None and module.sites is not None
    await scsp.node.planner.settle(CONVERGED_S)  # re-plans may chain a while: the deadline bounds it
    await module.sites.drain()
    await module.applier.drain()
    mark, fresh = len(stage.cpo_sessions.items), set[str]()
    while len(fresh) < 4:
        # Bounded by the test's deadline: on PostgreSQL under load four fresh readings took over 20 s.
        event = await stage.cpo_sessions.wait(
            lambda e: e.session.id not in fresh and metered_a(e.session) is not None, mark, CONVERGED_S
        )
        fresh.add(event.session.id)


async def test_plan_site_shares_and_metered_current_agree_per_phase(
    stages: StageFactory, node_factory: NodeFactory
) -> None:
    stage, scsp, partner = await with_scsp(stages, node_factory)
    tracker = PowerTracker()
    stage.simulate(SPECS, cars(), speed=1.0, tracker=tracker)
    waiting: list[str | None] = ["the first settled state"]
    try:
        async with asyncio.timeout(CONVERGED_S) as converging:
            await settled(stage, scsp)
            while (reason := await agreement(stage, scsp, partner)) is not None:
                waiting.append(reason)
                await settled(stage, scsp)
    except TimeoutError:
        if not converging.expired():
            raise  # an inner wait gave up (no fresh reading): its own traceback says which
        pytest.fail(f"no agreement in {CONVERGED_S} s after {len(waiting)} rounds; last: {waiting[-5:]}")
    sessions = await ongoing(stage)
    assert sum(metered_a(s) or 0.0 for s in sessions) > 0  # current does flow
    peaks = drawn_peaks(tracker)
    assert within_fuse(peaks), peaks
