from rest_framework.permissions import BasePermission

from .models import PlatformClient


class IsPlatformClient(BasePermission):
    message = "A platform client token is required."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, PlatformClient)
