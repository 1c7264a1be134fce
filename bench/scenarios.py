"""What the benchmark asks of the application, read from the generated data: who signs in, which pages and
endpoints they request, and which baseline each is compared with.

The same definitions drive the real run (through gunicorn) and the tests (through Django's test client), so
the harness cannot drift from what it measures.
"""

from dataclasses import dataclass

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from bench.frame import ADMINISTRATION_CODE
from karama.agreements.models import Agreement
from karama.core.models import User
from karama.people.models import Person

# Name fragments as staff type them, several in the other community's letters (ي for ی, ك for ک, ة for ه,
# أ for ا, a compound split or joined): the normalized search must find every spelling.
SEARCHES = [
    "علي رضايي",
    "حسین محمدی",
    "محمد رضا كريمي",
    "فاطمة احمدي",
    "عبدالله الكعبي",
    "أحمد الساعدی",
    "مهدي حسینی",
    "ابو الفضل",
    "رضائی",
    "مصطفى موسوي",
    "Ali Rezaei",
    "حسن زاده",
    "غلامرضا",
    "كاظمي جواد",
]
SAMPLE = 200  # people whose records the detail scenarios read in turn


@dataclass
class Scenario:
    name: str
    username: str
    paths: list[str]
    baseline: str  # "sql-staff", "sql-partner" (raw SQL search) or "bare" (the bare view)


@dataclass
class BenchUsers:
    staff: User
    partner: User
    admin: User


def bench_users() -> BenchUsers:
    users = {user.username: user for user in User.objects.filter(username__startswith=f"{ADMINISTRATION_CODE}-")}
    return BenchUsers(
        staff=users[f"{ADMINISTRATION_CODE}-staff"],
        partner=users[f"{ADMINISTRATION_CODE}-partner"],
        admin=users[f"{ADMINISTRATION_CODE}-admin"],
    )


def search_path(query: str) -> str:
    from urllib.parse import urlencode

    return "/en/people/?" + urlencode({"q": query})


def sample_people(users: BenchUsers, count: int = SAMPLE) -> list[tuple[int, str]]:
    """(pk, public code) of people of the staff user's facility, spread evenly over the registry."""
    people = Person.objects.filter(facility_id=users.staff.facility_id).order_by("pk")
    total = people.count()
    step = max(1, total // count)
    return list(people.values_list("pk", "public_code")[: step * count : step])


def build_scenarios(users: BenchUsers) -> list[Scenario]:
    people = sample_people(users)
    codes = [code for _pk, code in people]
    agreements = list(
        Agreement.objects.filter(administration_id=users.admin.administration_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    pages = max(1, (len(agreements) + 19) // 20)
    facility_code = users.staff.facility.code
    searches = [search_path(query) for query in SEARCHES]
    return [
        Scenario("search, facility staff", users.staff.username, searches, "sql-staff"),
        Scenario("search, partner staff", users.partner.username, searches, "sql-partner"),
        Scenario("person page", users.staff.username, [f"/en/people/{code}/" for code in codes], "bare"),
        Scenario("person API", users.staff.username, [f"/api/v1/people/{code}/" for code in codes], "bare"),
        Scenario(
            "agreement list",
            users.admin.username,
            [f"/en/agreements/?page={page}" for page in range(1, pages + 1)],
            "bare",
        ),
        Scenario("agreement page", users.admin.username, [f"/en/agreements/{pk}/" for pk in agreements], "bare"),
        Scenario("release work list", users.staff.username, [f"/en/people/release-worklist/{facility_code}/"], "bare"),
    ]


def bare_paths(users: BenchUsers) -> list[str]:
    return [f"/bench/row/{pk}/" for pk, _code in sample_people(users)]


def session_cookie(user: User) -> str:
    """A signed-in session stored as django.contrib.auth.login would store it; the value of the cookie."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key
