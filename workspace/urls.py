from django.urls import path

from workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("closures/<int:pk>/", views.closure_decide, name="closure_decide"),
    path("transfers/<int:pk>/", views.transfer_decide, name="transfer_decide"),
]
