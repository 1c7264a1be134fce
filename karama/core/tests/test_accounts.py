"""Sign-in, throttling, password reset, preferences and the language that is remembered."""

import os
import secrets
import subprocess
import sys

from django.core import mail

from conftest import PASSWORD


def test_sign_in_and_out(world, client):
    response = client.post("/en/accounts/login/", {"username": "admin-sa", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/en/").status_code == 200
    client.post("/en/accounts/logout/")
    assert client.get("/en/").status_code == 302


def test_sign_in_takes_the_user_to_their_language(world, client):
    world.admin_ma.language = "fr"
    world.admin_ma.save()
    response = client.post("/en/accounts/login/", {"username": "admin-ma", "password": PASSWORD})
    assert response["Location"].startswith("/fr/")
    assert client.cookies["karama_language"].value == "fr"


def test_repeated_failed_sign_ins_are_throttled(world, client, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/en/accounts/login/", {"username": "admin-sa", "password": "wrong"})
    response = client.post("/en/accounts/login/", {"username": "admin-sa", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/en/").status_code == 302


def test_password_reset_sends_a_link_by_email(world, client):
    world.admin_sa.email = "admin@example.org"
    world.admin_sa.save()
    response = client.post("/ar/accounts/password/reset/", {"email": "admin@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_preferences_choose_calendar_digits_and_language(world, client_for):
    client = client_for(world.staff_a)
    response = client.post("/en/accounts/preferences/", {"language": "ar", "calendar": "hijri", "digits": "arabic"})
    assert response.status_code == 302
    world.staff_a.refresh_from_db()
    assert (world.staff_a.language, world.staff_a.calendar, world.staff_a.digits) == ("ar", "hijri", "arabic")


def test_pages_carry_a_strict_content_security_policy(world, client_for):
    response = client_for(world.admin_sa).get("/en/agreements/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert "https://" not in html.split("<body")[0]  # nothing in the head loads from elsewhere


def _check_deploy(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = _check_deploy(
        {
            "KARAMA_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "karama.example.org",
            "KARAMA_FIELD_KEY": "uC3tVYjXl0Mr1DzN1wVfYkzI9FJ8x8C0yN8j4mJfQ8Y=",
            "GIVING_SANDBOX_SECRET": secrets.token_urlsafe(40),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    result = _check_deploy({"KARAMA_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_a_user_creates_and_revokes_an_api_token_that_sees_what_they_see(world, client_for, client):
    page = client_for(world.admin_ma).post("/en/accounts/api-tokens/", {"name": "CRM"})
    secret = page.context["new_secret"]
    assert secret and secret in page.content.decode()
    from django.test import Client

    system = Client()
    listing = system.get("/api/v1/agreements/", HTTP_AUTHORIZATION=f"Token {secret}").json()
    assert [a["reference"] for a in listing["items"]] == ["MA-2024-SM"]
    client_for(world.admin_ma).post("/en/accounts/api-tokens/", {"revoke": secret.split(".")[0]})
    assert system.get("/api/v1/agreements/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 401


def test_donors_have_no_api_tokens_page(world, client_for):
    assert client_for(world.donor).get("/en/accounts/api-tokens/").status_code == 404


def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for(rf, settings):
    from karama.core.middleware import ForwardedForMiddleware

    settings.KARAMA_PROXY_COUNT = 1
    seen = {}
    middleware = ForwardedForMiddleware(lambda request: seen.setdefault("addr", request.META["REMOTE_ADDR"]))
    middleware(rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2"))
    # The proxy appended the real client (203.0.113.9); what the client wrote before it is ignored.
    assert seen["addr"] == "203.0.113.9"


def test_without_a_proxy_the_header_is_ignored(rf, settings):
    from karama.core.middleware import ForwardedForMiddleware

    settings.KARAMA_PROXY_COUNT = 0
    seen = {}
    ForwardedForMiddleware(lambda request: seen.setdefault("addr", request.META["REMOTE_ADDR"]))(
        rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.2")
    )
    assert seen["addr"] == "10.0.0.2"
