from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from actors.forms.accounts import AdminLoginForm
from actors.views import accounts as views

# The admin signs in through the same length-limited username as /compte/connexion/ (a longer one
# would overflow django-axes' column). Set here because AdminSite reads it at each login request,
# and the URL configuration is loaded before the first one.
admin.site.login_form = AdminLoginForm

app_name = "actors"

urlpatterns = [
    path("", views.account, name="account"),
    path("mes-donnees/", views.personal_data, name="personal_data"),
    path("supprimer/", views.delete_account, name="delete_account"),
    path("inscription/", views.signup, name="signup"),
    path("verifier/<uidb64>/<token>/", views.verify_email, name="verify_email"),
    path("verifier/nouveau-lien/", views.resend_verification, name="resend_verification"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("mot-de-passe/oubli/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/oubli/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
]
