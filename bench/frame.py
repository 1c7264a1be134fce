"""The bench administration's frame: its regions, facilities, partner organizations, agreements and users.

A few thousand rows at most, made with bulk_create (search texts computed as `save()` would, without the
change history a demo would want: this is synthetic load, not anyone's record).
"""

import datetime
import random
from bisect import bisect
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from bench.names import CITIES
from karama.agreements.models import (
    Agreement,
    AgreementDomain,
    Budget,
    BudgetMovement,
    Commitment,
    Domain,
    Objective,
    Party,
)
from karama.core.models import Facility, NamedInLanguages, Organization, Region, Role, User
from karama.core.text import search_document

ADMINISTRATION_CODE = "bench-national"
COUNTRY = "IR"

PARTNER_KINDS = [
    (Organization.Kind.ASSOCIATION, "انجمن حمایت از زندانیان", "Prisoners' support association", 35),
    (Organization.Kind.COMPANY, "شرکت تولیدی", "Manufacturing company", 25),
    (
        Organization.Kind.GOVERNMENT_AGENCY,
        "اداره کل آموزش فنی و حرفه‌ای",
        "Technical and vocational training office",
        15,
    ),
    (Organization.Kind.FOUNDATION, "بنیاد نیکوکاری", "Charitable foundation", 15),
    (Organization.Kind.UNIVERSITY, "دانشگاه", "University", 10),
]


class Picker:
    """Draws from weighted items with one random number and a bisection (random.choices is slower)."""

    def __init__(self, items: list, weights: list[float]):
        self.items = items
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


def zipf_weights(count: int, exponent: float) -> list[float]:
    """A few big, many small: facility sizes, a partner's share of consents."""
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


@dataclass
class Frame:
    administration: Organization
    regions: list[int]
    facilities: list[int]
    partners: list[int]
    associations: list[int]
    partner_agreements: dict[int, list[int]]
    admin_user: int
    staff_by_facility: dict[int, int]
    partner_user: int
    partner_organization: int
    facility_picker: Picker = field(repr=False)
    partner_picker: Picker = field(repr=False)


def build_frame(rng: random.Random, *, facilities: int, partners: int, agreements: int, today) -> Frame:
    administration = _administration()
    regions = _regions()
    facility_ids = _facilities(rng, administration, regions, facilities)
    partner_ids, associations = _partners(rng, administration, regions, partners)
    users = _users(administration, facility_ids, partner_ids[0])
    partner_agreements = _agreements(rng, administration, partner_ids, agreements, users["admin"], today)
    return Frame(
        administration=administration,
        regions=[region.pk for region in regions],
        facilities=facility_ids,
        partners=partner_ids,
        associations=associations,
        partner_agreements=partner_agreements,
        admin_user=users["admin"],
        staff_by_facility=users["staff"],
        partner_user=users["partner"],
        partner_organization=partner_ids[0],
        # The first facility is the biggest, the first partner the busiest: the bench users work there.
        facility_picker=Picker(facility_ids, zipf_weights(len(facility_ids), 0.7)),
        partner_picker=Picker(partner_ids, zipf_weights(len(partner_ids), 0.9)),
    )


def _named(instance: NamedInLanguages) -> NamedInLanguages:
    # What NamedInLanguages.save() stores, computed with the model's own methods.
    instance.search_text = search_document(*instance.names.values(), *instance.extra_search_texts())
    return instance


def _administration() -> Organization:
    administration = _named(
        Organization(
            code=ADMINISTRATION_CODE,
            kind=Organization.Kind.PRISON_ADMINISTRATION,
            country=COUNTRY,
            names={"fa": "سازمان زندان‌ها (داده‌های آزمایشی)", "en": "Prisons organization (synthetic benchmark data)"},
            original_language="fa",
        )
    )
    Organization.objects.bulk_create([administration])
    if administration.pk is None:
        administration = Organization.objects.get(code=ADMINISTRATION_CODE)
    return administration


def _regions() -> list[Region]:
    regions = [
        _named(
            Region(
                code=f"{ADMINISTRATION_CODE}-r{number:02}",
                country=COUNTRY,
                names={"fa": f"استان {city}", "en": f"{latin} province"},
                original_language="fa",
            )
        )
        for number, (city, latin) in enumerate(CITIES[:10], start=1)
    ]
    Region.objects.bulk_create(regions)
    return list(Region.objects.filter(code__startswith=f"{ADMINISTRATION_CODE}-r").order_by("code"))


def _facilities(rng: random.Random, administration: Organization, regions: list[Region], count: int) -> list[int]:
    facilities = []
    for number in range(1, count + 1):
        city, latin = CITIES[(number - 1) % len(CITIES)]
        kind = Facility.Kind.PRISON if number % 5 else Facility.Kind.CORRECTION_CENTRE
        label = "زندان مرکزی" if kind == Facility.Kind.PRISON else "کانون اصلاح و تربیت"
        facilities.append(
            _named(
                Facility(
                    code=f"{ADMINISTRATION_CODE}-f{number:02}",
                    kind=kind,
                    administration=administration,
                    region=regions[(number - 1) % len(regions)],
                    country=COUNTRY,
                    names={"fa": f"{label} {city} {number}", "en": f"{latin} facility {number}"},
                    original_language="fa",
                )
            )
        )
    Facility.objects.bulk_create(facilities)
    return list(Facility.objects.filter(administration=administration).order_by("code").values_list("pk", flat=True))


def _partners(
    rng: random.Random, administration: Organization, regions: list[Region], count: int
) -> tuple[list[int], list[int]]:
    kinds = Picker(PARTNER_KINDS, [weight for *_rest, weight in PARTNER_KINDS])
    # The busiest partner, whose staff the bench signs in as, is an aftercare association.
    chosen = [PARTNER_KINDS[0]] + [kinds(rng) for _ in range(count - 1)]
    partners = []
    for number, (kind, persian, english, _weight) in enumerate(chosen, start=1):
        city, latin = CITIES[rng.randrange(len(CITIES))]
        partners.append(
            _named(
                Organization(
                    code=f"{ADMINISTRATION_CODE}-p{number:03}",
                    kind=kind,
                    country=COUNTRY,
                    administration=administration,
                    region=regions[rng.randrange(len(regions))],
                    names={"fa": f"{persian} {city} {number}", "en": f"{english}, {latin} {number}"},
                    original_language="fa",
                )
            )
        )
    Organization.objects.bulk_create(partners)
    rows = Organization.objects.filter(administration=administration).order_by("code").values_list("pk", "kind")
    ids = [pk for pk, _kind in rows]
    return ids, [pk for pk, kind in rows if kind == Organization.Kind.ASSOCIATION]


def _users(administration: Organization, facility_ids: list[int], partner_id: int) -> dict:
    """The three users the benchmark signs in as, and one staff user per facility (authors of records)."""
    users = [
        User(username=f"{ADMINISTRATION_CODE}-admin", role=Role.NATIONAL_ADMIN, administration=administration),
        User(username=f"{ADMINISTRATION_CODE}-partner", role=Role.PARTNER_STAFF, organization_id=partner_id),
    ]
    for number, facility_id in enumerate(facility_ids, start=1):
        # The big facility's staff user has the short name the benchmark signs in with.
        username = f"{ADMINISTRATION_CODE}-staff" if number == 1 else f"{ADMINISTRATION_CODE}-staff-f{number:02}"
        users.append(
            User(
                username=username,
                role=Role.FACILITY_STAFF,
                administration=administration,
                facility_id=facility_id,
                organization=administration,
            )
        )
    for user in users:
        user.language = "en"
        user.set_unusable_password()
    User.objects.bulk_create(users)
    by_name = dict(User.objects.filter(username__startswith=f"{ADMINISTRATION_CODE}-").values_list("username", "pk"))
    staff = {
        facility_id: by_name[
            f"{ADMINISTRATION_CODE}-staff" if number == 1 else f"{ADMINISTRATION_CODE}-staff-f{number:02}"
        ]
        for number, facility_id in enumerate(facility_ids, start=1)
    }
    return {
        "admin": by_name[f"{ADMINISTRATION_CODE}-admin"],
        "partner": by_name[f"{ADMINISTRATION_CODE}-partner"],
        "staff": staff,
    }


# Agreements ------------------------------------------------------------------------------------------------

AGREEMENT_STATUSES = Picker(
    [Agreement.Status.ACTIVE, Agreement.Status.DRAFT, Agreement.Status.EXPIRED, Agreement.Status.TERMINATED],
    [70, 10, 12, 8],
)
COMMITMENT_UNITS = [
    (Commitment.Unit.PEOPLE_TRAINED, "آموزش فنی و حرفه‌ای زندانیان"),
    (Commitment.Unit.PLACEMENTS, "اشتغال آزادشدگان"),
    (Commitment.Unit.FAMILIES, "حمایت از خانواده‌های زندانیان"),
    (Commitment.Unit.PROJECTS, "تأمین مالی طرح‌های خوداشتغالی"),
    (Commitment.Unit.RELEASES, "آزادی زندانیان جرائم غیرعمد"),
    (Commitment.Unit.BENEFICIARIES, "پشتیبانی پس از آزادی"),
]


def _agreements(
    rng: random.Random, administration: Organization, partner_ids: list[int], count: int, admin_user: int, today
) -> dict[int, list[int]]:
    """Agreements with their parties, domains, objectives, commitments and budgets. Every partner is party to
    at least one; returns each partner's agreements."""
    agreements = [_agreement(rng, administration, number, admin_user, today) for number in range(1, count + 1)]
    Agreement.objects.bulk_create(agreements)
    agreement_ids = list(
        Agreement.objects.filter(administration=administration).order_by("reference").values_list("pk", flat=True)
    )
    members: dict[int, list[int]] = {pk: [] for pk in agreement_ids}
    for position, partner_id in enumerate(partner_ids):
        members[agreement_ids[position % len(agreement_ids)]].append(partner_id)
    for agreement_id in agreement_ids:
        for _extra in range(rng.randint(0, 2)):
            partner_id = partner_ids[rng.randrange(len(partner_ids))]
            if partner_id not in members[agreement_id]:
                members[agreement_id].append(partner_id)
    parties = _parties(members, administration)
    _agreement_contents(rng, agreement_ids, parties, today)
    by_partner: dict[int, list[int]] = {pk: [] for pk in partner_ids}
    for agreement_id, partners in members.items():
        for partner_id in partners:
            by_partner[partner_id].append(agreement_id)
    return by_partner


def _agreement(rng: random.Random, administration: Organization, number: int, admin_user: int, today) -> Agreement:
    signed = today - datetime.timedelta(days=rng.randint(30, 3000))
    starts = signed + datetime.timedelta(days=rng.randint(0, 60))
    ends = starts + datetime.timedelta(days=rng.choice([365, 730, 1095, 1825])) if rng.random() < 0.8 else None
    unit, subject = COMMITMENT_UNITS[number % len(COMMITMENT_UNITS)]
    return _named(
        Agreement(
            administration=administration,
            kind=rng.choice(Agreement.Kind.values),
            reference=f"BN-{signed.year}-{number:04}",
            names={"fa": f"تفاهم‌نامه همکاری در {subject} {number}", "en": f"Cooperation agreement {number}"},
            original_language="fa",
            summary=f"همکاری در زمینه {subject}",
            signed_on=signed,
            signed_place="تهران",
            starts_on=starts,
            ends_on=ends,
            status=AGREEMENT_STATUSES(rng),
            created_by_id=admin_user,
        )
    )


def _parties(members: dict[int, list[int]], administration: Organization) -> dict[int, list[Party]]:
    parties = []
    for agreement_id, partners in members.items():
        parties.append(Party(agreement_id=agreement_id, organization=administration, role=Party.Role.SIGNATORY))
        for position, partner_id in enumerate(partners):
            role = Party.Role.FUNDER if position == 1 else Party.Role.IMPLEMENTER
            parties.append(Party(agreement_id=agreement_id, organization_id=partner_id, role=role))
    Party.objects.bulk_create(parties)
    by_agreement: dict[int, list[Party]] = {}
    for party in Party.objects.filter(agreement_id__in=list(members)).order_by("pk"):
        by_agreement.setdefault(party.agreement_id, []).append(party)
    return by_agreement


def _agreement_contents(rng: random.Random, agreement_ids: list[int], parties: dict[int, list[Party]], today) -> None:
    domains, objectives, commitments, budgets = [], [], [], []
    for agreement_id in agreement_ids:
        for domain in rng.sample(Domain.values, rng.randint(1, 3)):
            domains.append(AgreementDomain(agreement_id=agreement_id, domain=domain))
        for position in range(rng.randint(2, 4)):
            objectives.append(Objective(agreement_id=agreement_id, text=f"هدف {position + 1}", position=position))
        partners = [party for party in parties[agreement_id] if party.role != Party.Role.SIGNATORY]
        for _number in range(rng.randint(2, 6)):
            unit, subject = COMMITMENT_UNITS[rng.randrange(len(COMMITMENT_UNITS))]
            commitments.append(
                Commitment(
                    agreement_id=agreement_id,
                    party=partners[rng.randrange(len(partners))] if partners else None,
                    description=subject,
                    target_quantity=rng.choice([20, 50, 100, 250, 500, 1000]),
                    unit=unit,
                    due_on=today + datetime.timedelta(days=rng.randint(-365, 730)),
                )
            )
        funders = [party for party in partners if party.role == Party.Role.FUNDER]
        for funder in funders[: rng.randint(0, 2)]:
            budgets.append(
                Budget(
                    agreement_id=agreement_id,
                    funder=funder,
                    label="بودجه",
                    amount=Decimal(rng.randint(1, 500)) * 10_000_000,
                    currency="IRR",
                )
            )
    AgreementDomain.objects.bulk_create(domains)
    Objective.objects.bulk_create(objectives)
    Commitment.objects.bulk_create(commitments)
    Budget.objects.bulk_create(budgets)
    _movements(rng, _budget_ids(agreement_ids), today)


def _budget_ids(agreement_ids: list[int]) -> list[int]:
    return list(Budget.objects.filter(agreement_id__in=agreement_ids).order_by("pk").values_list("pk", flat=True))


def _movements(rng: random.Random, budget_ids: list[int], today) -> None:
    movements = []
    for budget_id in budget_ids:
        for _number in range(rng.randint(0, 4)):
            movements.append(
                BudgetMovement(
                    budget_id=budget_id,
                    kind=BudgetMovement.Kind.ALLOCATION,
                    amount=Decimal(rng.randint(1, 20)) * 1_000_000,
                    occurred_on=today - datetime.timedelta(days=rng.randint(0, 700)),
                    reference=f"M-{budget_id}-{_number}",
                )
            )
    BudgetMovement.objects.bulk_create(movements)
