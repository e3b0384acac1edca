"""The session chart as JSON: sender profiles, the active profile and the power drawn, in kW on one axis.

A chart is `{"title", "y_title", "y2_title", "traces": [...], "notes": [...]}`; each trace names its `kind`
(drawn, sender, active, load, capacity, band, planned, signal) and carries x (ISO times) and y (kW or None
for "no limit"). `notes` say in words what could not be shown and why. The browser draws them with Plotly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fera.charging import Electrical
from fera.ocpi.sessions.models import Session, SessionStatus
from fera.smartcharging.model import ProfileRequest, RequestKind, RequestState
from fera.store.records import StoredSession
from fera.web._data import DashboardData
from fera.web._series import active_schedule, drawn, history_series, raw_profile_schedule, schedule_series

__all__ = [
    "FALLBACK_ELECTRICAL",
    "Chart",
    "current_profiles",
    "request_rows",
    "session_chart",
    "trace",
]

# Used to turn amperes into kW when the session's connector is unknown on this node (said on the page).
FALLBACK_ELECTRICAL = Electrical("AC_3_PHASE", 230, 16, None)
AHEAD = timedelta(hours=1)  # how far past now an ongoing session's chart reaches (profiles look ahead)
_ONGOING = (SessionStatus.ACTIVE, SessionStatus.PENDING)


@dataclass
class Chart:
    title: str
    y_title: str = "kW"
    y2_title: str | None = None
    traces: list[dict[str, Any]] | None = None
    notes: list[str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "y_title": self.y_title,
            "y2_title": self.y2_title,
            "traces": self.traces or [],
            "notes": self.notes or [],
        }


def _closed(series: Sequence[tuple[datetime, float | None]]) -> list[tuple[datetime, float | None]]:
    """A step before a gap is repeated at the gap's start: Plotly draws no step towards a missing value."""
    out: list[tuple[datetime, float | None]] = []
    for t, v in series:
        if v is None and out and out[-1][1] is not None:
            out.append((t, out[-1][1]))
        out.append((t, v))
    return out


def trace(
    name: str, series: Sequence[tuple[datetime, float | None]], kind: str, **style: Any
) -> dict[str, Any]:
    """One line; style keys: dash, fill (tozeroy / tonexty), stack (a stack group), axis (y / y2)."""
    points = _closed(series)
    return {
        "name": name,
        "kind": kind,
        "x": [_iso(t) for t, _ in points],
        "y": [v for _, v in points],
        "shape": "hv",
        **style,
    }


def _iso(t: datetime) -> str:
    """UTC with a Z: Plotly draws the time as written, so every series must be in one zone."""
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _window(session: Session, now: datetime) -> tuple[datetime, datetime]:
    if session.status in _ONGOING or session.end_date_time is None:
        return session.start_date_time, max(now, session.last_updated).replace(microsecond=0) + AHEAD
    return session.start_date_time, session.end_date_time


def current_profiles(requests: list[ProfileRequest]) -> dict[str | None, ProfileRequest]:
    """Sender side: the SET still in force per upstream (None: our own), undone by an accepted CLEAR."""
    current: dict[str | None, ProfileRequest] = {}
    for request in sorted(requests, key=lambda r: r.created_at):
        accepted = request.response == "ACCEPTED" and request.result_type in (None, "ACCEPTED")
        if not accepted or request.state is RequestState.FAILED:
            continue
        if request.kind is RequestKind.SET and request.payload is not None:
            current[request.upstream_partner_id] = request
        elif request.kind is RequestKind.CLEAR:
            current.pop(request.upstream_partner_id, None)
    return current


def request_rows(requests: list[ProfileRequest], names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "kind": r.kind.value,
            "state": r.state.value,
            "response": r.response,
            "result": r.result_type,
            "created_at": r.created_at.isoformat(),
            "latency_s": None if r.result_latency_s is None else round(r.result_latency_s, 3),
            "late": r.late,
            "error": r.error,
            "relayed_for": None if r.upstream_partner_id is None else names.get(r.upstream_partner_id, "?"),
        }
        for r in requests
    ]


async def session_chart(data: DashboardData, stored: StoredSession, now: datetime) -> Chart:
    session = stored.session
    chart = Chart(f"Session {session.id}", traces=[], notes=[])
    assert chart.traces is not None and chart.notes is not None
    electrical = await data.electrical(session)
    if electrical is None:
        chart.notes.append(
            "The session's connector is not known on this node: amperes are converted as 3 phases at 230 V."
        )
    electrical = electrical or FALLBACK_ELECTRICAL
    start, end = _window(session, now)
    power = drawn(session, electrical)
    if power:
        chart.traces.append(trace("Power drawn", power, "drawn", fill="tozeroy"))
    else:
        chart.notes.append("No power metered yet (the session has no charging periods).")
    if stored.partner_id is None:
        await _cpo_side(data, session, (start, end), chart)
    else:
        await _sender_side(data, stored.partner_id, session, electrical, (start, end), chart)
    return chart


async def _cpo_side(
    data: DashboardData, session: Session, window: tuple[datetime, datetime], chart: Chart
) -> None:
    assert chart.traces is not None and chart.notes is not None
    module = data.node.dashboard_sources.cpo_profiles
    if module is None:
        chart.notes.append("This node hosts no ChargingProfiles Receiver: no profiles to show.")
        return
    steerable = await module.sessions.find(session.id)
    electrical = FALLBACK_ELECTRICAL if steerable is None else steerable.electrical
    names = await data.partner_names()
    pieces = await _sender_pieces(data, session.id)
    for partner_id, changes in pieces.items():
        steps = [
            (at, None if raw is None else raw_profile_schedule(raw, electrical, session.start_date_time))
            for at, raw in changes
        ]
        name = f"Profile of {names.get(partner_id, partner_id)}"
        chart.traces.append(trace(name, history_series(steps, *window), "sender", dash="dot"))
    if not pieces:
        chart.notes.append("No Sender has set a charging profile on this session.")
    if steerable is None or not steerable.ongoing:
        chart.notes.append("No active profile: the session is not ongoing.")
        return
    active = await module.active.current(steerable)
    limits = active_schedule(active, electrical, steerable.started_at)
    series = schedule_series(limits, active.start_date_time, max(window[1], active.start_date_time))
    chart.traces.append(trace("Active profile", series, "active"))


async def _sender_pieces(data: DashboardData, session_id: str) -> dict[str, list[tuple[datetime, Any]]]:
    """Per sender, every profile it set (or None: cleared) and from when; a profile held without a recorded
    history (set before the history was kept) counts from when it was set."""
    pieces: dict[str, list[tuple[datetime, Any]]] = {}
    for change in await data.profile_history(session_id):
        pieces.setdefault(change.partner_id, []).append((change.at, change.profile))
    for held in await data.sender_profiles(session_id):
        if held.partner_id not in pieces and held.profile is not None and held.set_at is not None:
            pieces[held.partner_id] = [(held.set_at, held.profile)]
    return dict(sorted(pieces.items()))


async def _sender_side(
    data: DashboardData,
    partner_id: str,
    session: Session,
    electrical: Electrical,
    window: tuple[datetime, datetime],
    chart: Chart,
) -> None:
    assert chart.traces is not None and chart.notes is not None
    sender = data.node.dashboard_sources.profile_sender
    if sender is None:
        chart.notes.append("This node sends no charging profiles.")
        return
    names = await data.partner_names()
    planner = data.node.dashboard_sources.planner
    steered = None if planner is None else await planner.steered_as(partner_id, session.id)
    if steered is not None:
        chart.notes.append(
            f"The same charge also reached this node from {names.get(steered[0], steered[0])} as session "
            f"{steered[1]}: it is planned and steered once, there."
        )
    current = current_profiles(await data.requests(partner_id, session.id))
    for upstream, request in sorted(current.items(), key=lambda kv: kv[1].created_at):
        assert request.payload is not None
        limits = raw_profile_schedule(request.payload, electrical, session.start_date_time)
        name = "Our profile" if upstream is None else f"Profile relayed for {names.get(upstream, upstream)}"
        chart.traces.append(trace(name, schedule_series(limits, *window), "sender", dash="dot"))
    if not current:
        chart.notes.append("This node holds no profile on this session (none set, or cleared).")
    active = await sender.active_profile(partner_id, session.id)
    if active is None:
        chart.notes.append("No ActiveChargingProfile has been received for this session.")
        return
    limits = active_schedule(active, electrical, session.start_date_time)
    end = max(window[1], active.start_date_time + timedelta(seconds=active.charging_profile.duration or 0))
    chart.traces.append(
        trace("Active profile", schedule_series(limits, active.start_date_time, end), "active")
    )
