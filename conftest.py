"""Named personas shared by every app's tests (as Healthchecks' alice/bob/charlie).

Two administrations (Saudi Arabia, Morocco), two facilities of the first, partners with
and without agreements, and one user of every role. Tests build what else they need
through the services; organizations and facilities, which have no rules
beyond their fields yet, are created directly.
"""

import datetime

import pytest

from karama.agreements import services as agreement_services
from karama.core.models import Facility, Organization, Role, User

PASSWORD = "karama-test-password"


def make_user(username: str, role: str, **links) -> User:
    user = User(username=username, role=role, **links)
    user.set_password(PASSWORD)
    user.save()
    return user


class World:
    """The personas, reachable as attributes: world.admin_sa, world.staff_a, world.partner_with..."""


@pytest.fixture
def world(db) -> World:
    w = World()
    w.sa = Organization.objects.create(
        code="sa-prisons",
        kind=Organization.Kind.PRISON_ADMINISTRATION,
        country="SA",
        names={"ar": "المديرية العامة للسجون", "en": "General Directorate of Prisons"},
        original_language="ar",
    )
    w.ma = Organization.objects.create(
        code="ma-dgapr",
        kind=Organization.Kind.PRISON_ADMINISTRATION,
        country="MA",
        names={"fr": "Délégation générale à l'administration pénitentiaire", "en": "Morocco prisons"},
        original_language="fr",
    )
    w.facility_a = Facility.objects.create(
        code="unaizah",
        kind=Facility.Kind.REFORMATORY,
        administration=w.sa,
        country="SA",
        names={"ar": "إصلاحية عنيزة", "en": "Unaizah reformatory"},
        original_language="ar",
    )
    w.facility_b = Facility.objects.create(
        code="riyadh",
        kind=Facility.Kind.PRISON,
        administration=w.sa,
        country="SA",
        names={"ar": "سجن الرياض", "en": "Riyadh prison"},
        original_language="ar",
    )
    w.facility_ma = Facility.objects.create(
        code="agadir",
        kind=Facility.Kind.PRISON,
        administration=w.ma,
        country="MA",
        names={"fr": "Prison locale d'Agadir"},
        original_language="fr",
    )
    w.university = Organization.objects.create(
        code="nauss",
        kind=Organization.Kind.UNIVERSITY,
        country="SA",
        administration=w.sa,
        names={"ar": "جامعة نايف العربية للعلوم الأمنية", "en": "Naif Arab University for Security Sciences"},
        original_language="ar",
    )
    w.outsider_org = Organization.objects.create(
        code="some-company",
        kind=Organization.Kind.COMPANY,
        country="SA",
        administration=w.sa,
        names={"en": "Some company without agreements"},
    )
    w.foundation = Organization.objects.create(
        code="fm6",
        kind=Organization.Kind.FOUNDATION,
        country="MA",
        administration=w.ma,
        names={"ar": "مؤسسة محمد السادس لإعادة إدماج السجناء", "fr": "Fondation Mohammed VI"},
        original_language="ar",
    )

    w.operator = make_user("operator", Role.OPERATOR)
    w.admin_sa = make_user("admin-sa", Role.NATIONAL_ADMIN, administration=w.sa)
    w.admin_ma = make_user("admin-ma", Role.NATIONAL_ADMIN, administration=w.ma)
    w.staff_a = make_user("staff-a", Role.FACILITY_STAFF, facility=w.facility_a)
    w.staff_b = make_user("staff-b", Role.FACILITY_STAFF, facility=w.facility_b)
    w.partner_university = make_user("partner-university", Role.PARTNER_STAFF, organization=w.university)
    w.partner_outsider = make_user("partner-outsider", Role.PARTNER_STAFF, organization=w.outsider_org)
    w.partner_foundation = make_user("partner-foundation", Role.PARTNER_STAFF, organization=w.foundation)
    w.donor = make_user("donor", Role.DONOR)
    w.researcher = make_user("researcher", Role.RESEARCHER)
    w.auditor_sa = make_user("auditor-sa", Role.AUDITOR, administration=w.sa)
    w.auditor_all = make_user("auditor-all", Role.AUDITOR)

    w.mou_sa = agreement_services.create_agreement(
        by=w.admin_sa,
        administration=w.sa,
        kind="mou",
        reference="SA-2019-01",
        names={"ar": "مذكرة تعاون مع جامعة نايف", "en": "MoU with Naif University"},
        original_language="ar",
        signed_on=datetime.date(2019, 2, 20),
        domains=["training", "research"],
    )
    w.party_university = agreement_services.add_party(
        agreement=w.mou_sa,
        by=w.admin_sa,
        organization=w.university,
        role="signatory",
        representative_name="Abdulmajeed Al-Bunyan",
    )
    w.agreement_ma = agreement_services.create_agreement(
        by=w.admin_ma,
        administration=w.ma,
        kind="partnership",
        reference="MA-2024-SM",
        names={"fr": "Convention Souss-Massa"},
        original_language="fr",
        domains=["income_projects"],
    )
    w.party_foundation = agreement_services.add_party(
        agreement=w.agreement_ma, by=w.admin_ma, organization=w.foundation, role="implementer"
    )
    return w


@pytest.fixture
def client_for(client):
    """Sign a persona in: client_for(world.admin_sa) returns the test client acting as them."""

    def sign_in(user: User):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return sign_in


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    # Argon2 is deliberately slow; tests create many users and do not test its strength.
    # Session-wide, so data loaded once per module (the demo) uses the same hasher as the tests.
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# Browser tests: Playwright driving Debian's Chromium (never a downloaded browser).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def screenshot(settings):
    """screenshot(page, "agreements-ar-list") saves var/screenshots/agreements-ar-list.png."""
    from pathlib import Path

    folder = Path(settings.BASE_DIR) / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(page, username: str, password: str, language: str = "en"):
    page.goto(f"/{language}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    # Background tasks run inside the test, synchronously, once the transaction commits.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
