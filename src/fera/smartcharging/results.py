"""The three result bodies carry no type field: the request kind (from our response_url) decides the model."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from fera.ocpi.app import validation_message
from fera.ocpi.chargingprofiles.models import (
    ActiveChargingProfileResult,
    ChargingProfileResult,
    ClearProfileResult,
)
from fera.ocpi.errors import InvalidParameters
from fera.smartcharging.model import RequestKind

__all__ = ["RESULT_MODELS", "parse_result"]

RESULT_MODELS: dict[RequestKind, type[BaseModel]] = {
    RequestKind.SET: ChargingProfileResult,
    RequestKind.GET: ActiveChargingProfileResult,
    RequestKind.CLEAR: ClearProfileResult,
}


def parse_result(kind: RequestKind, body: dict[str, Any]) -> dict[str, Any]:
    """Validate against the model this request expects; 2001 naming the field otherwise."""
    try:
        return RESULT_MODELS[kind].model_validate(body).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        raise InvalidParameters(validation_message(list(exc.errors()))) from exc
