"""FERA's own admin API (not OCPI): signals in, flexibility out, partners, the CPO's locations and the eMSP's
tokens."""

from fera.admin.partners import partners_admin_router
from fera.admin.routes import ADMIN_PATH, FlexibilitySource, admin_guard, admin_router

__all__ = ["ADMIN_PATH", "FlexibilitySource", "admin_guard", "admin_router", "partners_admin_router"]
