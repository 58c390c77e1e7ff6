from rest_framework.routers import SimpleRouter

from .views import PowerSystemResourceViewSet

router = SimpleRouter(trailing_slash=False)
router.register("power-system-resources", PowerSystemResourceViewSet, basename="psr")

urlpatterns = router.urls
