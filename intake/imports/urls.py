from django.urls import path

from intake.imports import operation_views, views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_new, name="new"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/columns/", views.import_mapping, name="mapping"),
    path("<int:pk>/columns/again/", views.import_remap, name="remap"),
    path("<int:pk>/start/", views.import_start, name="start"),
    path("<int:pk>/discard/", views.import_discard, name="discard"),
    path("<int:pk>/progress/", views.import_progress, name="progress"),
    path("<int:pk>/not-imported.csv", views.import_errors_csv, name="errors_csv"),
    path("operations/", operation_views.operation_list, name="operations"),
    path("operations/new/", operation_views.operation_new, name="operation_new"),
    path("operations/<int:pk>/", operation_views.operation_page, name="operation"),
    path("operations/<int:pk>/edit/", operation_views.operation_edit, name="operation_edit"),
    path("operations/<int:pk>/cases/", operation_views.operation_bulk, name="operation_bulk"),
]
