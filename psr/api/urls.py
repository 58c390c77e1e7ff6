from rest_framework.routers import SimpleRouter

from .views import MeterDeviceViewSet, PowerSystemResourceViewSet, ProductionProjectViewSet

router = SimpleRouter(trailing_slash=False)
router.register("power-system-resources", PowerSystemResourceViewSet, basename="psr")
router.register("production-projects", ProductionProjectViewSet, basename="production-project")
router.register("meter-devices", MeterDeviceViewSet, basename="meter-device")

urlpatterns = router.urls
