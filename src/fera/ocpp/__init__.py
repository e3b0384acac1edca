"""The CPO's OCPP side: a gateway that stations of OCPP 1.6 and 2.0.1 connect to, and a station simulator."""

from fera.ocpp.gateway import OcppGateway
from fera.ocpp.ids import ClockTransactionIds, TransactionIdFactory
from fera.ocpp.link import CompositeSchedule, ProfileResult, StationEvents, StationLink

__all__ = [
    "ClockTransactionIds",
    "CompositeSchedule",
    "OcppGateway",
    "ProfileResult",
    "StationEvents",
    "StationLink",
    "TransactionIdFactory",
]
