"""Who may call the private endpoints at all: a caller with a valid API key, or staff logged in to the admin. What
each may see (the resources granted to the key's client; everything for staff) is the resource's selector's."""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class ApiClientOrStaff(BasePermission):
    private_data = True  # what it guards is not for shared caches (cdsc_site.api.middleware.cache_control)
    message = "This is private data: log in as staff, or use an API key of a client it is granted to."

    def has_permission(self, request: Request, view) -> bool:
        if request.auth is not None:  # a key ApiAccessMiddleware found valid
            return True
        user = request.user
        return bool(user is not None and user.is_active and user.is_staff)
