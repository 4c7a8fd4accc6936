from django.urls import path

from signin import views

app_name = "security"

urlpatterns = [
    path("second-factor/", views.verify, name="verify"),
    path("second-factor/enrol/", views.enrol, name="enrol"),
]
