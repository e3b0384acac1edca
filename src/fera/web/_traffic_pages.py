"""HTML of the stations pages (what the OCPP gateway sees) and a partner's page (recent OCPI messages)."""

from __future__ import annotations

from collections.abc import Sequence

from fera.config import StationConfig
from fera.ocpp.monitor import Refusal, StationState
from fera.partners import Partner
from fera.traffic import Message
from fera.web._pages import DASHBOARD_PATH, badge, card, esc, facts, href, link, table, when

__all__ = ["partner_body", "station_body", "stations_body"]


def _online(state: StationState | None) -> str:
    if state is None:
        return badge("never connected", "warn")
    return badge("online", "ok") if state.online else badge("offline", "bad")


def _station_row(station: StationConfig, state: StationState | None) -> list[str]:
    return [
        link(station.id, href("stations", station.id)),
        esc(station.location),
        esc(len(station.evses)),
        _online(state),
        esc((state.protocol if state else None) or "—"),
        esc(when(state.connected_at if state else None)),
        esc(when(state.last_heartbeat if state else None)),
        esc(when(state.last_seen if state else None)),
    ]


def _refusal_row(refusal: Refusal) -> list[str]:
    return [esc(when(refusal.at)), esc(refusal.station_id), esc(refusal.reason)]


def stations_body(
    stations: Sequence[tuple[StationConfig, StationState | None]], refusals: Sequence[Refusal]
) -> str:
    headers = ["Station", "Location", "#EVSEs", "State", "Protocol", "Connected", "Last heartbeat"]
    headers.append("Last message")
    return (
        '<h1>Stations</h1><p class="sub">The OCPP stations this CPO admits, as its gateways see them.</p>'
        + card(
            "Stations",
            table(headers, [_station_row(s, st) for s, st in stations], "No station is configured."),
            ' id="stations"',
        )
        + card(
            "Refused connections",
            table(["At", "Station", "Why"], map(_refusal_row, refusals), "No connection was refused."),
            ' id="refused"',
        )
    )


def _message_row(message: Message) -> list[str]:
    arrow = "→ out" if message.direction.value == "out" else "← in"
    return [esc(when(message.at)), esc(arrow), f"<code>{esc(message.summary)}</code>", esc(message.outcome)]


def messages(items: Sequence[Message], empty: str) -> str:
    return table(["At", "", "Message", "Outcome"], map(_message_row, items), empty)


def station_body(
    station: StationConfig, state: StationState | None, frames: Sequence[Message], *, elsewhere: bool = False
) -> str:
    """`elsewhere`: another gateway process of the node holds the station (and records its messages)."""
    details = facts(
        [
            ("State", _online(state)),
            ("Location", esc(station.location)),
            ("Protocol", esc((state.protocol if state else None) or "—")),
            ("Connected", esc(when(state.connected_at if state else None))),
            ("Last heartbeat", esc(when(state.last_heartbeat if state else None))),
        ]
    )
    return (
        f'<h1>Station {esc(station.id)}</h1><p class="sub">{link("All stations", href("stations"))}</p>'
        + card("Station", details)
        + card("Recent OCPP messages", messages(frames, _no_frames(elsewhere)), ' id="frames"')
    )


def _no_frames(elsewhere: bool) -> str:
    if elsewhere:
        return "The station is connected to another gateway process of this node, which records its messages."
    return "No message since the node started."


def partner_body(partner: Partner, traffic: Sequence[Message]) -> str:
    roles = ", ".join(f"{r.role.value} {r.country_code}-{r.party_id}" for r in partner.roles)
    details = facts(
        [
            ("Roles", esc(roles or "—")),
            ("State", badge("registered", "ok") if partner.registered else badge("not registered", "warn")),
            ("Endpoints", esc(len(partner.endpoints))),
        ]
    )
    return (
        f'<h1>Partner {esc(partner.name)}</h1><p class="sub">{link("Overview", DASHBOARD_PATH)}</p>'
        + card("Partner", details)
        + card(
            "Recent OCPI messages", messages(traffic, "No message since the node started."), ' id="messages"'
        )
    )
