"""The operator dashboard each node serves under `/dashboard` (read-only, no OCPI auth, charts by Plotly)."""

from fera.web.routes import DASHBOARD_PATH, dashboard_router, dashboard_url
from fera.web.sources import (
    DashboardSources,
    FlexibilityPoint,
    LocationLoadSource,
    PlannedSession,
    Point,
    ScspPlanSource,
    SignalSeries,
)

__all__ = [
    "DASHBOARD_PATH",
    "DashboardSources",
    "FlexibilityPoint",
    "LocationLoadSource",
    "PlannedSession",
    "Point",
    "ScspPlanSource",
    "SignalSeries",
    "dashboard_router",
    "dashboard_url",
]
