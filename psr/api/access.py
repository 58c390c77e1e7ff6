"""Who sees what on the private endpoints (production projects, meters, their readings): shared by psr's views and
the usage-segment views of timeseries."""

from django.db.models import Model, QuerySet
from rest_framework.exceptions import PermissionDenied


def visible_to_caller(view, model: type[Model], selector) -> QuerySet:
    """What the caller of a private view may see, by `selector` (a key's client's grants; everything for staff)."""
    if getattr(view, "swagger_fake_view", False):  # the schema generator, which is nobody
        return model.objects.none()
    key = view.request.auth
    visible = selector(user=view.request.user, client_id=key.client_id if key is not None else None)
    if visible is None:  # staff without the permission to view projects
        raise PermissionDenied("Your account may not view production projects.")
    return visible
