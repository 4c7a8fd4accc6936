"""Routes of /api/v1/. Each app contributes its viewsets here; nothing else is routed under the API."""

from rest_framework.routers import DefaultRouter

from consulates.api import views as reference

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("consulates", reference.ConsulateViewSet, basename="consulate")
router.register("counties", reference.CountyViewSet, basename="county")
router.register("facilities", reference.DetentionFacilityViewSet, basename="facility")
router.register("reception-points", reference.ReceptionPointViewSet, basename="reception-point")
router.register("partners", reference.PartnerViewSet, basename="partner")

urlpatterns = router.urls
