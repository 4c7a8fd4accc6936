from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
]
