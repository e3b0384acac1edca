"""The charging profiles installed on one station (what SetChargingProfile / ClearChargingProfile change)."""

from __future__ import annotations

from collections.abc import Iterator

from fera.charging.ocpp_profile import ChargingProfilePurpose, OcppChargingProfile

__all__ = ["ProfileStack"]


class ProfileStack:
    """Mutable set of installed profiles. Validation is the caller's (see `validate_profile`)."""

    def __init__(self) -> None:
        self._profiles: dict[int, OcppChargingProfile] = {}

    def install(self, profile: OcppChargingProfile) -> None:
        """Add a profile, replacing one with the same id or the same (purpose, stack level, connector)."""
        slot = (profile.purpose, profile.stack_level, profile.connector_id)
        replaced = [
            old.id
            for old in self._profiles.values()
            if old.id == profile.id or (old.purpose, old.stack_level, old.connector_id) == slot
        ]
        for profile_id in replaced:
            del self._profiles[profile_id]
        self._profiles[profile.id] = profile

    def clear(
        self,
        id: int | None = None,  # the OCPP field name, though it shadows the builtin
        connector_id: int | None = None,
        purpose: ChargingProfilePurpose | None = None,
        stack_level: int | None = None,
    ) -> int:
        """Remove matching profiles, return how many. An id, when given, is the only criterion (as OCPP)."""
        if id is not None:
            return 1 if self._profiles.pop(id, None) is not None else 0
        doomed = [
            profile.id
            for profile in self._profiles.values()
            if (connector_id is None or profile.connector_id == connector_id)
            and (purpose is None or profile.purpose == purpose)
            and (stack_level is None or profile.stack_level == stack_level)
        ]
        for profile_id in doomed:
            del self._profiles[profile_id]
        return len(doomed)

    def end_transaction(self, connector_id: int) -> int:
        """A TxProfile lives as long as its transaction: drop those of this connector."""
        return self.clear(connector_id=connector_id, purpose=ChargingProfilePurpose.TX)

    @property
    def profiles(self) -> tuple[OcppChargingProfile, ...]:
        return tuple(sorted(self._profiles.values(), key=lambda profile: profile.id))

    def __iter__(self) -> Iterator[OcppChargingProfile]:
        return iter(self.profiles)

    def __len__(self) -> int:
        return len(self._profiles)
