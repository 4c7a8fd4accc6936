from django.urls import path

from intake.inquiries import views

app_name = "inquiries"

urlpatterns = [
    path("", views.inquiry_list, name="list"),
    path("new/", views.inquiry_new, name="new"),
    path("<int:pk>/", views.inquiry_page, name="detail"),
    path("<int:pk>/locate/", views.locate, name="locate"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/link/", views.link, name="link"),
    path("<int:pk>/convert/", views.convert, name="convert"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/forward/", views.forward, name="forward"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
