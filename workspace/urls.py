from django.urls import path, re_path

from workspace import calendar_views, views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("closures/<int:pk>/", views.closure_decide, name="closure_decide"),
    path("transfers/<int:pk>/", views.transfer_decide, name="transfer_decide"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/feed/", calendar_views.calendar_feed_manage, name="calendar_feed_manage"),
    # Any name ending in .ics reaches the feed, which refuses a wrong one itself without logging the address.
    re_path(
        r"^calendar/feed/(?P<token>[^/]{1,200})\.ics$", calendar_views.calendar_feed, name="calendar_feed"
    ),
]
