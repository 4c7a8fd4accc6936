from django.urls import path

from intake.reviews import views

app_name = "reviews"

urlpatterns = [
    path("duplicates/", views.queue, name="queue"),
    path("duplicates/<int:pk>/", views.review, name="review"),
    path("persons/<int:pk>/merge/", views.person_merge, name="person_merge"),
    path("merges/<int:pk>/", views.merge, name="merge"),
]
