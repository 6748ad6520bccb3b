"""Who may use the staff endpoints: staff users holding upcross's model permissions."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import DjangoModelPermissions, IsAdminUser
from rest_framework.request import Request


class UpcrossModelPermissions(DjangoModelPermissions):
    """Django's model permissions, reading included (``view_<model>`` for GET)."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class IsStaffWithModelPermission(UpcrossModelPermissions):
    """``is_staff`` and the model permission the method needs (superusers have all)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return IsAdminUser().has_permission(request, view) and super().has_permission(
            request, view
        )
