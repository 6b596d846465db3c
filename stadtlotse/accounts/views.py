"""Staff login with throttling and the second factor. The rules live in accounts/security.py."""

import time

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import security
from .models import SecondFactor, User

PENDING = "pending_login"
# Minutes a password stays good for while the second factor is asked for.
PENDING_SECONDS = 300


def _too_many(verdict):
    minutes = max(1, round(verdict.retry_after / 60))
    return _("Too many failed attempts. Please wait %(minutes)s minutes and try again.") % {"minutes": minutes}


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        verdict = security.check_login_allowed(request, request.POST.get("username", ""))
        if not verdict.allowed:
            # The password is not even checked, so guessing on gains nothing.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            context = self.get_context_data(form=form, refusal=_too_many(verdict))
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        security.count_login_failure(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form):
        user = form.get_user()
        if security.active_factor(user):
            self.request.session.cycle_key()
            self.request.session[PENDING] = {
                "user": user.pk, "backend": user.backend, "next": self.get_success_url(), "since": time.time(),
            }
            return redirect("accounts:second_factor")
        response = super().form_valid(form)
        security.remember_device(self.request, response, user)
        return response


def admin_login(request, extra_context=None):
    """Stands in for the admin's own login page (admin.site.login), which knows neither the login
    throttle nor the second factor: every way into the admin goes through LoginView."""
    target = _safe_next(request, reverse("admin:index"))
    if not request.user.is_authenticated:
        return redirect_to_login(target, reverse("accounts:login"))
    if admin.site.has_permission(request):
        return redirect(target)
    # Logged in, but not for the admin: sending them to the login page again would loop.
    messages.error(request, _("Your account has no access to the administration."))
    return redirect(settings.LOGIN_REDIRECT_URL)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"), max_length=20,
        help_text=gettext_lazy("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    return User.objects.filter(pk=pending["user"], is_active=True).first(), pending


def _safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _check_code(request, user, form):
    """None when the form's code is right; otherwise the status to show the form again with (its error added)."""
    verdict = security.check_login_allowed(request, user.get_username())
    if not verdict.allowed:
        form.add_error("code", _too_many(verdict))
        return 429
    if not security.verify_second_factor(user, form.cleaned_data["code"]):
        security.count_login_failure(request, user.get_username())
        form.add_error("code", _("This code is not right (or was used already). Please enter the current code."))
        return 200
    return None


def second_factor(request):
    """One address for every state: finish a login, confirm a new app, or manage the second factor."""
    if not request.user.is_authenticated:
        return _finish_login(request)
    if not security.active_factor(request.user):
        return _enrol(request)
    if not request.session.get(security.VERIFIED):
        return _step_up(request)
    return _manage(request)


def _finish_login(request):
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, _("Please log in again."))
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        status = _check_code(request, user, form)
        if status is None:
            del request.session[PENDING]
            auth.login(request, user, backend=pending["backend"])
            request.session[security.VERIFIED] = True
            response = redirect(_safe_next(request, pending["next"]))
            security.remember_device(request, response, user)
            return response
    return render(request, "accounts/second_factor.html", {"mode": "login", "form": form}, status=status)


def _step_up(request):
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        status = _check_code(request, request.user, form)
        if status is None:
            request.session[security.VERIFIED] = True
            return redirect(_safe_next(request, reverse(settings.LOGIN_REDIRECT_URL)))
    context = {"mode": "login", "form": form, "next": request.GET.get("next") or request.POST.get("next", "")}
    return render(request, "accounts/second_factor.html", context, status=status)


def _enrol(request):
    user = request.user
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = security.confirm_enrolment(user, form.cleaned_data["code"])
        if codes:
            request.session[security.VERIFIED] = True
            return render(request, "accounts/second_factor.html", {"mode": "codes", "codes": codes,
                                                                   "next": _safe_next(request, "")})
        form.add_error("code", _(
            "This code does not match. Check that the app shows the account just added, then enter its current code."
        ))
        factor = SecondFactor.objects.filter(user=user).first() or security.start_enrolment(user)
    else:
        factor = security.start_enrolment(user)
    uri = security.provisioning_uri(factor)
    context = {
        "mode": "enrol", "form": form, "required": security.is_required(user),
        "qr_svg": segno.make(uri, error="m").svg_inline(scale=5, title=_("QR code for your authenticator app")),
        "secret_groups": [factor.secret[i:i + 4] for i in range(0, len(factor.secret), 4)],
        "next": request.GET.get("next") or request.POST.get("next", ""),
    }
    return render(request, "accounts/second_factor.html", context)


def _manage(request):
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "renew":
        codes = security.renew_recovery_codes(user)
        return render(request, "accounts/second_factor.html", {"mode": "codes", "codes": codes})
    if action == "off":
        if security.switch_off(user):
            messages.success(request, _("The second factor is switched off."))
        else:
            messages.error(request, _("Your role requires a second factor; it cannot be switched off."))
        return redirect("accounts:second_factor")
    factor = security.active_factor(user)
    return render(request, "accounts/second_factor.html", {
        "mode": "manage", "factor": factor, "codes_left": len(factor.recovery_codes),
        "required": security.is_required(user),
    })

