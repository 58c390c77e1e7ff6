from rest_framework.routers import SimpleRouter

from .views import PowerSystemResourceViewSet, ProductionProjectViewSet

router = SimpleRouter(trailing_slash=False)
router.register("power-system-resources", PowerSystemResourceViewSet, basename="psr")
router.register("production-projects", ProductionProjectViewSet, basename="production-project")

urlpatterns = router.urls
