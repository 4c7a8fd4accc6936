from django.urls import path, re_path

from workspace import (
    calendar_views,
    case_views,
    children_views,
    custody_views,
    family_views,
    incident_views,
    notification_views,
    proceeding_views,
    views,
    visit_views,
)

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("closures/<int:pk>/", views.closure_decide, name="closure_decide"),
    path("transfers/<int:pk>/", views.transfer_decide, name="transfer_decide"),
    # Facilities, their visits and the formal requests to authorities (decision 0026).
    path("facilities/", visit_views.facility_list, name="facilities"),
    path("facilities/<int:pk>/", visit_views.facility_page, name="facility"),
    path("visits/<int:pk>/", visit_views.visit_page, name="visit"),
    path("requests/new/", visit_views.request_new, name="request_new"),
    path("requests/<int:pk>/", visit_views.request_page, name="request"),
    path("notifications/", notification_views.notifications_page, name="notifications"),
    path("notifications/read/", notification_views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", notification_views.notification_read, name="notification_read"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/feed/", calendar_views.calendar_feed_manage, name="calendar_feed_manage"),
    # Any name ending in .ics reaches the feed, which refuses a wrong one itself without logging the address.
    re_path(
        r"^calendar/feed/(?P<token>[^/]{1,200})\.ics$", calendar_views.calendar_feed, name="calendar_feed"
    ),
    # The case page (``/cases/`` is the documents' downloads, ``cases.urls``).
    path("case/<int:pk>/", case_views.case_page, name="case"),
    path("case/<int:pk>/note/", case_views.note_add, name="case_note"),
    path("case/<int:pk>/hearings/", case_views.hearing_add, name="case_hearing_add"),
    path("case/<int:pk>/hearings/<int:hearing_pk>/", case_views.hearing_edit, name="case_hearing_edit"),
    path("case/<int:pk>/proceedings/", proceeding_views.proceeding_add, name="case_proceeding_add"),
    path(
        "case/<int:pk>/proceedings/<int:proceeding_pk>/",
        proceeding_views.proceeding_edit,
        name="case_proceeding_edit",
    ),
    path(
        "case/<int:pk>/proceedings/<int:proceeding_pk>/decision/",
        proceeding_views.proceeding_decide,
        name="case_proceeding_decide",
    ),
    path(
        "case/<int:pk>/proceedings/<int:proceeding_pk>/status/",
        proceeding_views.proceeding_status,
        name="case_proceeding_status",
    ),
    path(
        "case/<int:pk>/proceedings/<int:proceeding_pk>/deadlines/",
        proceeding_views.deadline_add,
        name="case_deadline_add",
    ),
    path(
        "case/<int:pk>/proceedings/<int:proceeding_pk>/hearings/",
        proceeding_views.proceeding_hearing_add,
        name="case_proceeding_hearing_add",
    ),
    path(
        "case/<int:pk>/deadlines/<int:deadline_pk>/",
        proceeding_views.deadline_resolve,
        name="case_deadline_resolve",
    ),
    path("case/<int:pk>/incidents/", incident_views.incident_add, name="case_incident_add"),
    path(
        "case/<int:pk>/incidents/<int:incident_pk>/close/",
        incident_views.incident_close,
        name="case_incident_close",
    ),
    path("case/<int:pk>/tasks/", case_views.task_add, name="case_task_add"),
    path("case/<int:pk>/tasks/<int:task_pk>/done/", case_views.task_done, name="case_task_done"),
    path("case/<int:pk>/custody/move/", custody_views.custody_move, name="case_custody_move"),
    path("case/<int:pk>/custody/release/", custody_views.custody_release, name="case_custody_release"),
    path("case/<int:pk>/custody/verified/", custody_views.custody_verified, name="case_custody_verified"),
    path("case/<int:pk>/locate/", custody_views.locate_add, name="case_locate_add"),
    path("case/<int:pk>/family/checklist/", family_views.checklist_item_add, name="case_family_item_add"),
    path(
        "case/<int:pk>/family/checklist/<int:item_pk>/",
        family_views.checklist_item_update,
        name="case_family_item",
    ),
    # A person's family: the page, and the relationship actions (posted from it or from a case page).
    path("person/<int:pk>/family/", family_views.person_family, name="person_family"),
    path("person/<int:pk>/family/link/", family_views.family_link, name="person_family_link"),
    path("person/<int:pk>/family/new/", family_views.family_new, name="person_family_new"),
    path(
        "person/<int:pk>/family/<int:relationship_pk>/",
        family_views.family_change,
        name="person_family_change",
    ),
    path(
        "person/<int:pk>/family/<int:relationship_pk>/remove/",
        family_views.family_end,
        name="person_family_end",
    ),
    path("case/<int:pk>/child/welfare/", children_views.welfare_save, name="case_child_welfare"),
    path("case/<int:pk>/child/requests/", children_views.request_add, name="case_agency_request_add"),
    path(
        "case/<int:pk>/child/requests/<int:request_pk>/",
        children_views.request_update,
        name="case_agency_request_update",
    ),
    path("case/<int:pk>/child/assessments/", children_views.assess, name="case_child_assess"),
]
