from __future__ import annotations

import fera.web


def test_public_names() -> None:
    assert sorted(fera.web.__all__) == [
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
    assert all(hasattr(fera.web, name) for name in fera.web.__all__)
