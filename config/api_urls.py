"""Routes of /api/v1/. Each app contributes its viewsets here; nothing else is routed under the API."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from cases.api import (
    cases,
    children,
    crossoffice,
    family,
    incidents,
    partner,
    persons,
    proceedings,
    reports,
    visits,
)
from consulates.api import views as reference
from intake.inquiries import api as inquiries

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("consulates", reference.ConsulateViewSet, basename="consulate")
router.register("counties", reference.CountyViewSet, basename="county")
router.register("facilities", reference.DetentionFacilityViewSet, basename="facility")
router.register("reception-points", reference.ReceptionPointViewSet, basename="reception-point")
router.register("courts", reference.ImmigrationCourtViewSet, basename="court")
router.register("consular-posts", reference.ConsularPostViewSet, basename="consular-post")
router.register("partners", reference.PartnerViewSet, basename="partner")
router.register("persons", persons.PersonViewSet, basename="person")
router.register("cases", cases.CaseViewSet, basename="case")
router.register(
    r"cases/(?P<case_pk>\d+)/proceedings", proceedings.ProceedingViewSet, basename="case-proceeding"
)
router.register("visits", visits.VisitViewSet, basename="visit")
router.register("formal-requests", visits.FormalRequestViewSet, basename="formal-request")
router.register(
    r"persons/(?P<person_pk>\d+)/relationships",
    family.PersonRelationshipViewSet,
    basename="person-relationship",
)
router.register(
    r"cases/(?P<case_pk>\d+)/relationships", family.CaseRelationshipViewSet, basename="case-relationship"
)
router.register(
    r"cases/(?P<case_pk>\d+)/family-checklist",
    family.FamilyChecklistViewSet,
    basename="case-family-checklist",
)
router.register(r"cases/(?P<case_pk>\d+)/incidents", incidents.IncidentViewSet, basename="case-incident")
router.register("notifications", incidents.NotificationViewSet, basename="notification")
router.register(
    r"cases/(?P<case_pk>\d+)/child-welfare", children.ChildWelfareViewSet, basename="case-child-welfare"
)
router.register(
    r"cases/(?P<case_pk>\d+)/agency-requests", children.AgencyRequestViewSet, basename="case-agency-request"
)
router.register(
    r"cases/(?P<case_pk>\d+)/child-assessments",
    children.ChildAssessmentViewSet,
    basename="case-child-assessment",
)
router.register("transfers", crossoffice.TransferViewSet, basename="transfer")
router.register("referrals", crossoffice.ReferralViewSet, basename="referral")
router.register("consents", crossoffice.ConsentViewSet, basename="consent")
router.register("tasks", crossoffice.TaskViewSet, basename="task")
router.register("partner/referrals", partner.PartnerReferralViewSet, basename="partner-referral")
router.register(
    r"partner/referrals/(?P<referral_pk>\d+)/relationships",
    family.PartnerRelationshipViewSet,
    basename="partner-referral-relationship",
)
router.register("partner/inquiries", inquiries.PartnerInquiryViewSet, basename="partner-inquiry")

urlpatterns = [
    path("reports/", reports.ReportIndexView.as_view(), name="report-list"),
    path("reports/<str:name>/", reports.ReportView.as_view(), name="report-detail"),
    path(
        "partner/webhook-secret/", partner.PartnerWebhookSecretView.as_view(), name="partner-webhook-secret"
    ),
    *router.urls,
]
