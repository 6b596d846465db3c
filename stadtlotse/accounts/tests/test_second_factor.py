import re

import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings
from django.urls import reverse

from stadtlotse.accounts import security, totp
from stadtlotse.accounts.models import SecondFactor
from stadtlotse.testing.cases import PASSWORD, StadtlotseTestCase, make_user

LOGIN = reverse("accounts:login")
SECOND = reverse("accounts:second_factor")
HOME = reverse("backoffice:home")
T0 = 1_800_000_000  # a fixed moment, so codes and steps are predictable


def code(secret, at, offset=0):
    return totp.code_at(secret, totp.current_step(at) + offset)


def enrol(user, at=T0):
    """Activate a second factor for `user` the way the page does; returns (secret, recovery codes)."""
    factor = security.start_enrolment(user)
    with time_machine.travel(at, tick=False):
        codes = security.confirm_enrolment(user, code(factor.secret, at))
    return factor.secret, codes


@override_settings(STAFF_2FA_REQUIRED="admin")
class LoginWithSecondFactorTests(StadtlotseTestCase):
    def login(self, username):
        return self.client.post(LOGIN, {"username": username, "password": PASSWORD})

    def test_a_password_alone_does_not_log_in_a_user_with_a_second_factor(self):
        secret, _codes = enrol(self.alice)
        with time_machine.travel(T0 + 60, tick=False):
            response = self.login("alice")
            self.assertRedirects(response, SECOND, fetch_redirect_response=False)
            self.assertNotIn("_auth_user_id", self.client.session)
            self.assertEqual(self.client.get(HOME).status_code, 302)
            page = self.client.get(SECOND)
            self.assertContains(page, 'autocomplete="one-time-code"')
            response = self.client.post(SECOND, {"code": code(secret, T0 + 60)})
        self.assertRedirects(response, HOME, fetch_redirect_response=False)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)

    def test_a_wrong_code_is_refused_and_changes_nothing(self):
        secret, _codes = enrol(self.alice)
        with time_machine.travel(T0 + 60, tick=False):
            self.login("alice")
            wrong = code(secret, T0 + 60, offset=5)
            response = self.client.post(SECOND, {"code": wrong})
        self.assertContains(response, "nicht richtig", status_code=200)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_code_works_only_once(self):
        secret, _codes = enrol(self.alice)
        with time_machine.travel(T0 + 60, tick=False):
            self.login("alice")
            used = code(secret, T0 + 60)
            self.client.post(SECOND, {"code": used})
            self.client.post(reverse("accounts:logout"))
            self.login("alice")
            response = self.client.post(SECOND, {"code": used})
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_recovery_code_logs_in_once(self):
        _secret, codes = enrol(self.alice)
        self.assertEqual(len(codes), security.RECOVERY_CODES)
        self.login("alice")
        response = self.client.post(SECOND, {"code": codes[3].upper()})
        self.assertRedirects(response, HOME, fetch_redirect_response=False)
        self.client.post(reverse("accounts:logout"))
        self.login("alice")
        self.assertEqual(self.client.post(SECOND, {"code": codes[3]}).status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(len(SecondFactor.objects.get(user=self.alice).recovery_codes), security.RECOVERY_CODES - 1)

    def test_the_password_step_expires(self):
        secret, _codes = enrol(self.alice)
        with time_machine.travel(T0 + 60, tick=False):
            self.login("alice")
        with time_machine.travel(T0 + 60 + 301, tick=False):
            response = self.client.post(SECOND, {"code": code(secret, T0 + 361)})
        self.assertRedirects(response, LOGIN, fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_the_code_page_keeps_next_safe(self):
        secret, _codes = enrol(self.alice)
        with time_machine.travel(T0 + 60, tick=False):
            self.client.post(LOGIN, {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"})
            response = self.client.post(SECOND, {"code": code(secret, T0 + 60), "next": "https://evil.example/"})
        self.assertRedirects(response, HOME, fetch_redirect_response=False)

    def test_without_a_password_step_the_code_page_sends_to_login(self):
        self.assertRedirects(self.client.get(SECOND), LOGIN, fetch_redirect_response=False)


@override_settings(STAFF_2FA_REQUIRED="admin")
class RequiredSecondFactorTests(StadtlotseTestCase):
    def test_an_admin_without_second_factor_is_held_at_the_setup_page(self):
        self.client.post(LOGIN, {"username": "erin", "password": PASSWORD})
        for path in (HOME, reverse("backoffice:tickets"), "/admin/"):
            response = self.client.get(path)
            self.assertEqual(response.status_code, 302, path)
            self.assertTrue(response["Location"].startswith(SECOND + "?next="), response["Location"])
        page = self.client.get(SECOND)
        self.assertContains(page, "<svg")  # the QR code
        secret = SecondFactor.objects.get(user=self.erin).secret
        self.assertContains(page, secret[:4])
        response = self.client.post(SECOND, {"code": "000000" if code(secret, T0) != "000000" else "111111"})
        self.assertContains(response, "stimmt nicht")
        self.assertEqual(self.client.get(HOME).status_code, 302)
        response = self.client.post(SECOND, {"code": totp.code_at(secret, totp.current_step()), "next": HOME})
        codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", response.content.decode())
        self.assertEqual(len(codes), security.RECOVERY_CODES)
        self.assertEqual(self.client.get(HOME).status_code, 200)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_desk_staff_are_not_held_when_only_admins_must(self):
        self.client.post(LOGIN, {"username": "alice", "password": PASSWORD})
        self.assertEqual(self.client.get(HOME).status_code, 200)

    @override_settings(STAFF_2FA_REQUIRED="all")
    def test_all_staff_can_be_required(self):
        self.client.post(LOGIN, {"username": "bob", "password": PASSWORD})
        self.assertEqual(self.client.get(HOME).status_code, 302)

    def test_an_admin_cannot_switch_it_off_but_desk_staff_can(self):
        enrol(self.erin)
        self.client.force_login(self.erin)
        session = self.client.session
        session[security.VERIFIED] = True
        session.save()
        page = self.client.get(SECOND)
        self.assertNotContains(page, 'value="off"')
        self.client.post(SECOND, {"action": "off"})
        self.assertTrue(SecondFactor.objects.filter(user=self.erin).exists())

        enrol(self.alice)
        self.client.force_login(self.alice)
        session = self.client.session
        session[security.VERIFIED] = True
        session.save()
        self.client.post(SECOND, {"action": "off"})
        self.assertFalse(SecondFactor.objects.filter(user=self.alice).exists())

    def test_new_recovery_codes_replace_the_old(self):
        _secret, old = enrol(self.alice)
        self.client.force_login(self.alice)
        session = self.client.session
        session[security.VERIFIED] = True
        session.save()
        response = self.client.post(SECOND, {"action": "renew"})
        new = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", response.content.decode())
        self.assertEqual(len(new), security.RECOVERY_CODES)
        self.assertFalse(security.verify_second_factor(self.alice, old[0]))
        self.assertTrue(security.verify_second_factor(self.alice, new[0]))


class LoginThrottleTests(StadtlotseTestCase):
    def test_an_account_is_locked_after_five_failures_even_with_the_right_password(self):
        for _ in range(5):
            self.assertEqual(self.client.post(LOGIN, {"username": "alice", "password": "falsch-123456"}).status_code, 200)
        response = self.client.post(LOGIN, {"username": "alice", "password": PASSWORD})
        self.assertEqual(response.status_code, 429)
        self.assertIn("Retry-After", response)
        self.assertContains(response, "Zu viele", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        # Another account from the same address is not locked by alice's failures.
        self.assertEqual(self.client.post(LOGIN, {"username": "bob", "password": PASSWORD}).status_code, 302)

    def test_the_lock_ends_with_its_window(self):
        with time_machine.travel(T0, tick=False):
            for _ in range(5):
                self.client.post(LOGIN, {"username": "alice", "password": "falsch-123456"})
        with time_machine.travel(T0 + 901, tick=False):
            self.assertEqual(self.client.post(LOGIN, {"username": "alice", "password": PASSWORD}).status_code, 302)

    @override_settings(LOGIN_FAILURES_PER_IP="3/900", LOGIN_FAILURES_PER_ACCOUNT="100/900")
    def test_one_address_trying_many_accounts_is_locked(self):
        for name in ("x1", "x2", "x3"):
            self.client.post(LOGIN, {"username": name, "password": "falsch-123456"})
        self.assertEqual(self.client.post(LOGIN, {"username": "bob", "password": PASSWORD}).status_code, 429)
        other = self.client_class(REMOTE_ADDR="198.51.100.7")
        self.assertEqual(other.post(LOGIN, {"username": "bob", "password": PASSWORD}).status_code, 302)

    @override_settings(STAFF_2FA_REQUIRED="admin")
    def test_wrong_codes_count_against_the_account(self):
        secret, _codes = enrol(self.alice)
        with time_machine.travel(T0 + 60, tick=False):
            self.client.post(LOGIN, {"username": "alice", "password": PASSWORD})
            for _ in range(5):
                self.client.post(SECOND, {"code": code(secret, T0, offset=9)})
            response = self.client.post(SECOND, {"code": code(secret, T0 + 60)})
        self.assertEqual(response.status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)


class SessionTests(StadtlotseTestCase):
    def test_a_session_ends_after_the_idle_time(self):
        with time_machine.travel(T0, tick=False):
            self.client.post(LOGIN, {"username": "alice", "password": PASSWORD})
            self.assertEqual(self.client.get(HOME).status_code, 200)
        with time_machine.travel(T0 + 3000, tick=False):
            self.assertEqual(self.client.get(HOME).status_code, 200)
        with time_machine.travel(T0 + 3000 + 3601, tick=False):
            response = self.client.get(HOME)
        self.assertRedirects(response, f"{LOGIN}?next={HOME}", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_login_changes_the_session_key(self):
        self.client.get(LOGIN)
        self.client.cookies["sessionid"] = "attacker-chosen-session-id-0000"
        self.client.post(LOGIN, {"username": "alice", "password": PASSWORD})
        self.assertNotEqual(self.client.cookies["sessionid"].value, "attacker-chosen-session-id-0000")


class PasswordHashingTests(StadtlotseTestCase):
    def test_production_hashes_new_passwords_with_argon2(self):
        from django.conf import settings

        production = [h for h in settings.PASSWORD_HASHERS if "MD5" not in h]
        self.assertEqual(production[0], "django.contrib.auth.hashers.Argon2PasswordHasher")
        with override_settings(PASSWORD_HASHERS=production):
            user = make_user("hanna", "desk")
            self.assertEqual(identify_hasher(user.password).algorithm, "argon2")
            self.assertTrue(self.client.login(username="hanna", password=PASSWORD))


class AdminResetTests(StadtlotseTestCase):
    def test_an_admin_removes_a_lost_second_factor_but_never_sees_the_secret(self):
        secret, _codes = enrol(self.alice)
        self.client.force_login(self.erin)
        factor = SecondFactor.objects.get(user=self.alice)
        page = self.client.get(reverse("admin:accounts_secondfactor_change", args=[factor.pk]))
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, secret)
        self.assertEqual(self.client.get(reverse("admin:accounts_secondfactor_add")).status_code, 403)
        self.client.post(reverse("admin:accounts_secondfactor_delete", args=[factor.pk]), {"post": "yes"})
        self.assertFalse(SecondFactor.objects.filter(user=self.alice).exists())
