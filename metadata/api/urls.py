from rest_framework.routers import SimpleRouter

from .views import FuelSourceTechnologyViewSet, FuelSourceTypeViewSet, TopologyLevelViewSet

router = SimpleRouter(trailing_slash=False)
router.register("metadata/topology-levels", TopologyLevelViewSet, basename="topology-level")
router.register("metadata/fuel-source/types", FuelSourceTypeViewSet, basename="fuel-source-type")
router.register("metadata/fuel-source/technologies", FuelSourceTechnologyViewSet, basename="fuel-source-technology")

urlpatterns = router.urls
