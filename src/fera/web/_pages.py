"""HTML of the dashboard pages. Every value from the store or a partner goes through `esc`; charts are
empty containers naming their JSON endpoint, drawn by the dashboard script."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from fera.config import NodeConfig
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import Session
from fera.partners import Partner
from fera.smartcharging.model import ProfileRequest, RequestState
from fera.web._data import Owned

__all__ = [
    "DASHBOARD_PATH",
    "LocationHref",
    "href",
    "location_body",
    "message_body",
    "own_location",
    "overview_body",
    "page",
    "scsp_body",
    "session_body",
    "sessions_body",
]

DASHBOARD_PATH = "/dashboard"
_NAV = (("", "Overview"), ("sessions", "Sessions"), ("stations", "Stations"), ("scsp", "Plan & signals"))
_TONES = {"ACTIVE": "ok", "PENDING": "warn", "RESERVATION": "warn", "INVALID": "bad", "COMPLETED": ""}


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def href(*parts: str) -> str:
    return "/".join([DASHBOARD_PATH, *(quote(p, safe="") for p in parts)])


def when(at: datetime | None) -> str:
    return "—" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def badge(text: str, tone: str = "") -> str:
    return f'<span class="badge {tone}">{esc(text)}</span>'


def link(text: str, url: str) -> str:
    return f'<a href="{esc(url)}">{esc(text)}</a>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], empty: str) -> str:
    """Cells are HTML already (escaped by the caller); numeric columns are marked by a leading '#'."""
    rows = list(rows)
    if not rows:
        return f'<p class="empty-text">{esc(empty)}</p>'
    numeric = [h.startswith("#") for h in headers]
    head = "".join(f"<th>{esc(h.lstrip('#'))}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if n else f"<td>{c}</td>" for c, n in zip(r, numeric, strict=True)
        )
        + "</tr>"
        for r in rows
    )
    return f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def facts(pairs: Iterable[tuple[str, str]]) -> str:
    """A definition list; values are HTML already."""
    return '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def card(title: str, content: str, extra: str = "") -> str:
    return f'<section class="card"{extra}><h2>{esc(title)}</h2>{content}</section>'


def chart(chart_id: str, src: str) -> str:
    return f'<div class="chart" id="{esc(chart_id)}" data-src="{esc(src)}"></div>'


def page(
    title: str,
    node_name: str,
    body: str,
    here: str = "",
    charts: bool = False,
    hidden: frozenset[str] = frozenset({"scsp", "stations"}),
    clock: str = "UTC",
) -> str:
    """The frame of every page; `hidden` navigation entries are the parts this node lacks (the SCSP's plan,
    the CPO's stations). `clock` says which clock every time on the page is read from."""
    nav = "".join(
        f'<a href="{esc(href(p) if p else DASHBOARD_PATH)}"{" class=here" if p == here else ""}>{esc(t)}</a>'
        for p, t in _NAV
        if p not in hidden
    )
    scripts = (
        f'<script src="{href("static", "plotly.min.js")}"></script>'
        f'<script src="{href("static", "dashboard.js")}" defer></script>'
        if charts
        else ""
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · FERA {esc(node_name)}</title>"
        f'<link rel="icon" href="{href("static", "favicon.svg")}" type="image/svg+xml">'
        f'<link rel="stylesheet" href="{href("static", "dashboard.css")}">{scripts}</head><body>'
        f'<header><span class="brand">FERA<small>{esc(node_name)}</small></span><nav>{nav}</nav></header>'
        f"<main>{body}</main><footer>Read-only operator view · times: {esc(clock)}</footer></body></html>"
    )


def message_body(title: str, text: str) -> str:
    return f"<h1>{esc(title)}</h1>" + card("", f'<p class="empty-text">{esc(text)}</p>')


# -- overview and lists --------------------------------------------------------------------------------


def _partner_row(partner: Partner) -> list[str]:
    roles = ", ".join(f"{r.role.value} {r.country_code}-{r.party_id}" for r in partner.roles)
    state = badge("registered", "ok") if partner.registered else badge("not registered", "warn")
    name = link(partner.name, href("partners", partner.id))
    return [name, esc(roles or "—"), state, esc(len(partner.endpoints))]


def _location_row(owned: Owned) -> list[str]:
    location = owned.item
    assert isinstance(location, Location)
    url = href("locations", location.country_code, location.party_id, location.id)
    where = ", ".join(x for x in (location.address, location.city) if x)
    return [
        link(location.id, url),
        esc(location.name or "—"),
        esc(where),
        esc(len(location.evses or [])),
        esc(owned.partner_name or "this node"),
    ]


def overview_body(config: NodeConfig, partners: list[Partner], locations: list[Owned], sessions: int) -> str:
    roles = [(r.role.value, esc(f"{r.country_code}-{r.party_id} · {r.name}")) for r in config.roles]
    hosted = facts([("Node", esc(config.name)), *roles])
    counts = facts(
        [
            ("Partners", str(len(partners))),
            ("Locations", str(len(locations))),
            ("Sessions", link(str(sessions), href("sessions"))),
        ]
    )
    return (
        f'<h1>{esc(config.name)}</h1><p class="sub">What this node hosts and whom it talks to.</p>'
        f'<div class="grid">{card("Hosted roles", hosted)}{card("At a glance", counts)}</div>'
        + card(
            "Partners",
            table(["Name", "Roles", "State", "#Endpoints"], map(_partner_row, partners), "No partners yet."),
            ' id="partners"',
        )
        + card(
            "Locations",
            table(
                ["Id", "Name", "Address", "#EVSEs", "From"], map(_location_row, locations), "No locations."
            ),
            ' id="locations"',
        )
    )


LocationHref = Callable[[Session], str | None]


def own_location(session: Session) -> str | None:
    """The location of a session under the session's own party (where a CPO's sessions find theirs)."""
    return href("locations", session.country_code, session.party_id, session.location_id)


def session_row(owned: Owned, location_href: LocationHref = own_location) -> list[str]:
    s = owned.item
    assert isinstance(s, Session)
    url = href("sessions", s.country_code, s.party_id, s.id)
    loc = location_href(s)
    return [
        link(s.id, url),
        badge(s.status.value, _TONES.get(s.status.value, "")),
        esc(s.location_id) if loc is None else link(s.location_id, loc),
        esc(s.evse_uid),
        f"{s.kwh:.2f}",
        esc(when(s.start_date_time)),
        esc(when(s.end_date_time)),
        esc(owned.partner_name or "this node"),
    ]


SESSION_HEADERS = ["Session", "Status", "Location", "EVSE", "#kWh", "Started", "Ended", "From"]


def sessions_body(sessions: list[Owned], location_href: LocationHref = own_location) -> str:
    return (
        '<h1>Sessions</h1><p class="sub">This node\'s own sessions and those partners sent it, '
        "most recently updated first.</p>"
        + card(
            "Sessions",
            table(SESSION_HEADERS, [session_row(o, location_href) for o in sessions], "No sessions yet."),
            ' id="sessions"',
        )
    )


# -- one session, one location, the SCSP --------------------------------------------------------------


def _session_facts(session: Session, source: str, location_href: LocationHref) -> str:
    loc = location_href(session)
    where = esc(session.location_id) if loc is None else link(session.location_id, loc)
    pairs = [
        ("Status", badge(session.status.value, _TONES.get(session.status.value, ""))),
        (
            "Location",
            f"{where} · EVSE {esc(session.evse_uid)} · connector {esc(session.connector_id)}",
        ),
        ("Energy", f"{session.kwh:.2f} kWh"),
        ("Started", esc(when(session.start_date_time))),
        ("Ended", esc(when(session.end_date_time))),
        ("Driver's eMSP", esc(f"{session.cdr_token.country_code}-{session.cdr_token.party_id}")),
        ("From", esc(source)),
    ]
    return facts(pairs)


def _request_tone(r: ProfileRequest) -> str:
    if r.state in (RequestState.REFUSED, RequestState.FAILED, RequestState.TIMED_OUT):
        return "bad"
    if r.state is RequestState.DONE:
        return "ok" if r.result_type == "ACCEPTED" else "bad"
    return "warn"


def _requests(requests: list[ProfileRequest], names: dict[str, str]) -> str:
    rows = [
        [
            esc(when(r.created_at)),
            esc(r.kind.value.upper()),
            badge(r.state.value, _request_tone(r)),
            esc(r.response or "—"),
            esc(r.result_type or "—"),
            "—" if r.result_latency_s is None else f"{r.result_latency_s:.3f}",
            badge("late", "warn") if r.late else "",
            esc(names.get(r.upstream_partner_id, "?") if r.upstream_partner_id else "—"),
            esc(r.error or ""),
        ]
        for r in reversed(requests)
    ]
    headers = ["Sent", "Kind", "State", "Answer", "Result", "#Latency (s)", "", "Relayed for", "Error"]
    return table(headers, rows, "No profile requests on this session.")


def session_body(
    owned: Owned,
    requests: list[ProfileRequest] | None,
    names: dict[str, str],
    location_href: LocationHref = own_location,
    receiver: str = "",
) -> str:
    """`requests`: a sender's side of a partner's session; `receiver`: the CPO's cards on one of its own
    (`_profile_pages.receiver_cards`)."""
    s = owned.item
    assert isinstance(s, Session)
    api = href("api", "sessions", s.country_code, s.party_id, s.id, "chart")
    body = (
        f'<h1>Session {esc(s.id)}</h1><p class="sub">{link("All sessions", href("sessions"))}</p>'
        + card("Session", _session_facts(s, owned.partner_name or "this node (own session)", location_href))
        + card("Power and profiles (kW)", chart("session-chart", api), ' id="power"')
    )
    body += receiver
    if requests is not None:
        body += card("Profile requests", _requests(requests, names), ' id="requests"')
    return body


def location_body(owned: Owned, sessions: list[Owned]) -> str:
    loc = owned.item
    assert isinstance(loc, Location)
    api = href("api", "locations", loc.country_code, loc.party_id, loc.id, "chart")
    here = href("locations", loc.country_code, loc.party_id, loc.id)
    where = ", ".join(x for x in (loc.address, loc.city, loc.country) if x)
    details = facts(
        [
            ("Name", esc(loc.name or "—")),
            ("Address", esc(where)),
            ("EVSEs", str(len(loc.evses or []))),
            ("From", esc(owned.partner_name or "this node")),
        ]
    )
    return (
        f'<h1>Location {esc(loc.id)}</h1><p class="sub">{link("Overview", DASHBOARD_PATH)}</p>'
        + card("Location", details)
        + card("Load and capacity (kW)", chart("location-chart", api), ' id="load"')
        + card(
            "Sessions here",
            table(SESSION_HEADERS, [session_row(o, lambda _s: here) for o in sessions], "No sessions here."),
        )
    )


def scsp_body() -> str:
    return (
        '<h1>Plan and signals</h1><p class="sub">What the SCSP planner intends per session, '
        "and the price and CO2 signals it plans with.</p>"
        + card(
            "Planned power per session (kW)", chart("plan-chart", href("api", "scsp", "plan")), ' id="plan"'
        )
        + card("Signals", chart("signals-chart", href("api", "scsp", "signals")), ' id="signals"')
    )
