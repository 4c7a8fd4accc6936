from django.urls import path, re_path

from cases.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    re_path(r"^(?P<name>[a-z0-9_]+)\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
]
