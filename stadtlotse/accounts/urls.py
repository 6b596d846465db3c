from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("anmelden", views.LoginView.as_view(), name="login"),
    path("zweiter-faktor", views.second_factor, name="second_factor"),
    # Django's LogoutView accepts POST only, so a link or a prefetch cannot log anyone out.
    path("abmelden", auth_views.LogoutView.as_view(), name="logout"),
]
