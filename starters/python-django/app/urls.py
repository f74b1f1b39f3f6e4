"""The API's paths, each answered by a view in app/views.py, and the views that answer Django's errors."""

from django.urls import path

from . import views

urlpatterns = [
    path("health", views.health),
]

handler400 = "app.problems.bad_request"
handler403 = "app.problems.forbidden"
handler404 = "app.problems.not_found"
handler500 = "app.problems.server_error"
