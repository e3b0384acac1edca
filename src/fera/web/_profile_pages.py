"""The CPO's cards on one of its sessions: each Sender's profile now, every profile each Sender set or cleared
over the session, and who limited the session from when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fera.charging import EVSE_MAXIMUM, LOCAL_LIMIT
from fera.ocpi.chargingprofiles.models import ChargingProfile
from fera.smartcharging.model import SenderProfile, SenderProfileChange
from fera.web._pages import badge, card, esc, table, when

__all__ = ["ReceiverSide", "describe_profile", "receiver_cards"]


@dataclass(frozen=True)
class ReceiverSide:
    held: list[SenderProfile]  # each Sender's latest profile (None once cleared)
    history: list[SenderProfileChange]  # every set and clear, oldest first
    limits: list[tuple[datetime, str]]  # from when, whose limit was (or will be) the lowest


def receiver_cards(side: ReceiverSide, names: dict[str, str]) -> str:
    return (
        card("Sender profiles on this session", _holders(side.held, names), ' id="holders"')
        + card("Profile history", _history(side.history, names), ' id="history"')
        + card("Who limits this session", _limiters(side.limits, names), ' id="limiters"')
    )


def describe_profile(raw: dict[str, Any]) -> str:
    """A profile in a line: its periods (limit from the offset on), start and duration when it has them."""
    profile = ChargingProfile.model_validate(raw)
    unit = profile.charging_rate_unit.value
    periods = ", ".join(
        f"{p.limit:g} {unit} from +{p.start_period} s" for p in profile.charging_profile_period or ()
    )
    extras = [periods or "no periods"]
    if profile.start_date_time is not None:
        extras.append(f"starting {when(profile.start_date_time)}")
    if profile.duration is not None:
        extras.append(f"for {profile.duration} s")
    if profile.min_charging_rate is not None:
        extras.append(f"min {profile.min_charging_rate:g} {unit}")
    return " · ".join(extras)


def _holders(held: list[SenderProfile], names: dict[str, str]) -> str:
    rows = [
        [
            esc(names.get(p.partner_id, p.partner_id)),
            badge("holds a profile", "ok") if p.profile is not None else badge("cleared"),
            esc(when(p.set_at)),
            esc(when(p.last_request_at)),
        ]
        for p in held
    ]
    return table(["Sender", "Profile", "Set at", "Last request"], rows, "No Sender has set a profile.")


def _history(history: list[SenderProfileChange], names: dict[str, str]) -> str:
    """Newest first: what each Sender set or cleared, as it took effect at the station."""
    rows = [
        [
            esc(when(c.at)),
            esc(names.get(c.partner_id, c.partner_id)),
            badge("set", "ok") if c.profile is not None else badge("cleared"),
            esc(describe_profile(c.profile)) if c.profile is not None else "—",
        ]
        for c in reversed(history)
    ]
    return table(["At", "Sender", "Change", "Profile"], rows, "No Sender has set or cleared a profile yet.")


def _limiters(limits: list[tuple[datetime, str]], names: dict[str, str]) -> str:
    """From when, whose limit is the lowest: a sender, the CPO's site limit or the EVSE's own maximum."""
    own = {LOCAL_LIMIT: "Site limit (this CPO)", EVSE_MAXIMUM: "EVSE maximum"}
    rows = [[esc(when(t)), esc(own.get(who) or f"Profile of {names.get(who, who)}")] for t, who in limits]
    return table(["From", "Limited by"], rows, "Nothing limits this session.")
