"""Who a partner may act as: the parties its operator agreed, never what its own credentials claim.

An invitation names the parties (country_code, party_id, role) that may register with it; one that names none
lets the first registration fix them. A (country_code, party_id) pair belongs to one platform only: a partner
may never claim ours, nor one agreed with (or registered by) another partner. Anything else is refused with
OCPI 2001 naming `roles`: the client sent a parameter it may not send (3001 means the server failed to use the
client's API, not the case here). Adding a party is an operator action (`PartnerService.add_party`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from fera.ocpi.auth import Party
from fera.ocpi.types import Role
from fera.partners.model import Partner

__all__ = ["claim_refusal", "parse_party", "taken_refusal"]

_PARTY = re.compile(r"^([A-Za-z]{2})\*([A-Za-z0-9]{3}):([A-Z]+)$")


def parse_party(text: str) -> Party:
    """`NL*EMS:EMSP` -> Party("NL", "EMS", EMSP); ValueError naming the expected form otherwise."""
    match = _PARTY.match(text.strip())
    roles = ", ".join(r.value for r in Role)
    if match is None or match.group(3) not in {r.value for r in Role}:
        raise ValueError(f"{text!r}: expected COUNTRY*PARTY:ROLE, e.g. NL*EMS:EMSP (roles: {roles})")
    return Party(match.group(1).upper(), match.group(2).upper(), Role(match.group(3)))


def taken_refusal(parties: Iterable[Party], others: Sequence[Partner], ours: Sequence[Party]) -> str | None:
    """Why one of `parties` cannot be agreed with a partner: it is ours, or another partner's."""
    for party in parties:
        if any(p.is_(party.country_code, party.party_id) for p in ours):
            return f"{party} is a party of this platform"
        holder = next((o for o in others if _holds(o, party)), None)
        if holder is not None:
            return f"{party} belongs to another partner"
    return None


def claim_refusal(
    partner: Partner, claimed: Sequence[Party], others: Sequence[Partner], ours: Sequence[Party]
) -> str | None:
    """Why a credentials POST/PUT claiming `claimed` is refused, or None when every role was agreed."""
    taken = taken_refusal(claimed, others, ours)
    if taken is not None:
        return f"roles: {taken}"
    if not partner.agreed:  # an invitation that named no parties: the first registration fixes them
        return None
    unagreed = [p for p in claimed if not partner.agrees_to(p)]
    if unagreed:
        names = ", ".join(str(p) for p in unagreed)
        return f"roles: {names} not agreed with this platform's operator"
    return None


def _holds(partner: Partner, party: Party) -> bool:
    return any(p.is_(party.country_code, party.party_id) for p in (*partner.agreed, *partner.parties()))
