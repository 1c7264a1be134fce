"""Demonstration data of the projects: the Souss-Massa (seed 002) and Beni Mellal (seed 003) agreements.

Souss-Massa: kits worth 1,000,000 MAD in all, the agreement's budget. Beni Mellal: 21 former inmates
equipped in the six sectors of seed 003 (services, agriculture, handicrafts, construction, catering,
trade) for more than 500,000 MAD in all. Both use the Moroccan demo people who consented to share with
the Mohammed VI Foundation for an income-generating project, at every stage of the pipeline: people
still in custody have plans, approvals or kits waiting for their release; released people had their
equipment handed over and are followed at 1, 3, 6 and 12 months.

Everything goes through the services, the Foundation's staff (partner-foundation) preparing and
following, the Moroccan administration (admin-ma) drawing the grants. Seeded, so a reload gives the
same projects; an agreement that already has projects is left as it is.
"""

import datetime
import random
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from auditlog.context import set_actor
from django.utils import timezone, translation

from karama.agreements import services as agreement_services
from karama.agreements.models import Agreement, Budget, Party
from karama.core.models import Region, User
from karama.people.models import Consent, ConsentPurpose, Person, PersonStatus, ReleaseReason
from karama.ventures import services
from karama.ventures.models import FOLLOW_UP_MONTHS, Sector, Stage, Venture
from karama.ventures.survival import add_months

SEED = 2024
FOUNDATION = "ma-fm6"
PREPARER = "partner-foundation"
FUNDER = "admin-ma"
ONE_MAD = Decimal("1")


@dataclass(frozen=True)
class Programme:
    reference: str
    region: str
    funded: int  # how many projects the kits are spread over
    kits_total: Decimal
    ceremony_on: datetime.date
    ceremony: str
    ceremony_place: str
    ceremony_by: str
    centre: str
    localities: tuple[str, ...]
    committee: str
    members: tuple[str, ...]


PROGRAMMES = [
    # Seed 002: a budget of 1,000,000 MAD; equipment handed over at a ceremony at the wilaya. The article
    # gives neither the number of projects nor the ceremony's date: both are chosen here.
    Programme(
        reference="MA-FM6-2024-SOUSS-MASSA",
        region="ma-souss-massa",
        funded=25,
        kits_total=Decimal("1000000.00"),
        ceremony_on=datetime.date(2024, 12, 18),
        ceremony="Remise des équipements des projets générateurs de revenus",
        ceremony_place="Siège de la wilaya de la région Souss-Massa, Agadir",
        ceremony_by="Le wali de la région Souss-Massa, gouverneur de la préfecture d'Agadir Ida-Outanane",
        centre="Centre d'accompagnement post-carcéral de la Fondation, Agadir",
        localities=("Agadir", "Inezgane", "Aït Melloul", "Dcheira", "Taroudant", "Tiznit"),
        committee="Comité provincial de développement humain d'Agadir Ida-Outanane",
        members=(
            "Division de l'action sociale de la wilaya (INDH)",
            "Fondation Mohammed VI pour la réinsertion des détenus, coordination régionale",
            "Service de préparation à la réinsertion, prison locale d'Aït Melloul",
        ),
    ),
    # Seed 003: 21 former inmates, more than 500,000 MAD in all. The date is not in the article.
    Programme(
        reference="MA-FM6-BENI-MELLAL",
        region="ma-beni-mellal-khenifra",
        funded=21,
        kits_total=Decimal("512600.00"),
        ceremony_on=datetime.date(2025, 3, 11),
        ceremony="Distribution des équipements aux anciens détenus (programme de lutte contre la précarité)",
        ceremony_place="Siège de la province de Béni Mellal",
        ceremony_by="Le wali de la région Béni Mellal-Khénifra, gouverneur de la province de Béni Mellal",
        centre="Centre d'accompagnement post-carcéral de la Fondation, Béni Mellal",
        localities=("Béni Mellal", "Fquih Ben Salah", "Kasba Tadla", "Souk Sebt", "El Ksiba"),
        committee="Comité provincial de développement humain de Béni Mellal",
        members=(
            "Division de l'action sociale de la province (INDH)",
            "Fondation Mohammed VI pour la réinsertion des détenus, coordination régionale",
            "Service de préparation à la réinsertion, prison locale de Béni Mellal",
        ),
    ),
]
# The INDH budget of Beni Mellal is 500,000 MAD; the article says "more than 500,000" in all. The Foundation's
# own share, which makes up the difference, is NOT in the article: its amount is chosen here.
FOUNDATION_SHARE = {
    "MA-FM6-BENI-MELLAL": (Decimal("30000.00"), "Part de la Fondation Mohammed VI (complément des équipements)")
}

# The ISCO-08 skill groups of the people demo and the sector a project in that trade belongs to.
SECTOR_OF_SKILL = {
    "71": Sector.CONSTRUCTION,
    "72": Sector.HANDICRAFTS,
    "73": Sector.HANDICRAFTS,
    "74": Sector.SERVICES,
    "75": Sector.HANDICRAFTS,
    "61": Sector.AGRICULTURE,
    "51": Sector.CATERING,
    "52": Sector.TRADE,
    "83": Sector.SERVICES,
    "91": Sector.SERVICES,
}
# Per sector: activities, each with its equipment (item, unit price in MAD, supplier, carries a serial number).
ACTIVITIES = {
    Sector.SERVICES: [
        (
            "Réparation de téléphones et d'appareils électroniques",
            [
                ("Station de soudage et de dessoudage", 2800, "Électro Souss", True),
                ("Jeu d'outillage de précision", 1200, "Électro Souss", False),
                ("Vitrine et comptoir", 6500, "Menuiserie Al Amal", False),
                ("Stock de pièces détachées", 9000, "Grossiste Derb Omar", False),
            ],
        ),
        (
            "Installation et dépannage électrique",
            [
                ("Perforateur électrique", 2400, "Quincaillerie Atlas", True),
                ("Multimètre et pinces", 900, "Quincaillerie Atlas", False),
                ("Échelle télescopique", 1500, "Quincaillerie Atlas", False),
                ("Triporteur utilitaire", 19000, "Moto Maroc Distribution", True),
            ],
        ),
        (
            "Transport de marchandises en triporteur",
            [
                ("Triporteur utilitaire", 24000, "Moto Maroc Distribution", True),
                ("Bâche et sangles", 800, "Quincaillerie Atlas", False),
                ("Casque et équipement de sécurité", 700, "Moto Maroc Distribution", False),
            ],
        ),
        (
            "Nettoyage et entretien de locaux",
            [
                ("Autolaveuse", 14000, "Hygiène Pro", True),
                ("Aspirateur industriel", 4500, "Hygiène Pro", True),
                ("Chariot de ménage équipé", 2200, "Hygiène Pro", False),
            ],
        ),
    ],
    Sector.AGRICULTURE: [
        (
            "Élevage ovin",
            [
                ("Brebis de race Sardi", 2600, "Coopérative d'éleveurs", False),
                ("Bélier reproducteur", 5000, "Coopérative d'éleveurs", False),
                ("Abreuvoirs et mangeoires", 1800, "Agri Services", False),
            ],
        ),
        (
            "Apiculture",
            [
                ("Ruche peuplée", 1400, "Coopérative apicole", False),
                ("Extracteur de miel", 5500, "Agri Services", True),
                ("Combinaison et enfumoir", 700, "Agri Services", False),
            ],
        ),
        (
            "Serre maraîchère",
            [
                ("Serre tunnel 500 m²", 21000, "Agri Services", False),
                ("Kit de goutte-à-goutte", 6000, "Agri Services", False),
                ("Motopompe", 4800, "Agri Services", True),
            ],
        ),
        (
            "Élevage de poulets fermiers",
            [
                ("Poussins fermiers (lot de 500)", 4500, "Couvoir régional", False),
                ("Poulailler préfabriqué", 16000, "Agri Services", False),
                ("Éleveuse à gaz", 2500, "Agri Services", True),
            ],
        ),
    ],
    Sector.HANDICRAFTS: [
        (
            "Atelier de couture",
            [
                ("Machine à coudre industrielle", 9500, "Textile Équipement", True),
                ("Surjeteuse", 7000, "Textile Équipement", True),
                ("Table de coupe et fer à repasser", 3500, "Textile Équipement", False),
            ],
        ),
        (
            "Menuiserie",
            [
                ("Scie circulaire sur table", 8500, "Bois et Machines", True),
                ("Raboteuse-dégauchisseuse", 12000, "Bois et Machines", True),
                ("Établi et serre-joints", 3000, "Bois et Machines", False),
            ],
        ),
        (
            "Ferronnerie d'art",
            [
                ("Poste à souder à l'arc", 6000, "Métal Équipement", True),
                ("Meuleuse d'angle", 1500, "Métal Équipement", True),
                ("Enclume et outillage de forge", 4500, "Métal Équipement", False),
            ],
        ),
        (
            "Tissage de tapis",
            [
                ("Métier à tisser vertical", 7500, "Coopérative des artisans", False),
                ("Laine filée et teintures", 4000, "Coopérative des artisans", False),
            ],
        ),
    ],
    Sector.CONSTRUCTION: [
        (
            "Carrelage et maçonnerie",
            [
                ("Bétonnière 350 litres", 9000, "Matériaux du Sud", True),
                ("Coupe-carreaux électrique", 4200, "Matériaux du Sud", True),
                ("Échafaudage roulant", 7500, "Matériaux du Sud", False),
            ],
        ),
        (
            "Plomberie et sanitaire",
            [
                ("Machine à sertir", 6500, "Sanitaire Plus", True),
                ("Déboucheur électrique", 5200, "Sanitaire Plus", True),
                ("Caisse à outils de plombier", 2300, "Sanitaire Plus", False),
            ],
        ),
        (
            "Peinture et finitions du bâtiment",
            [
                ("Pulvérisateur de peinture airless", 11000, "Matériaux du Sud", True),
                ("Ponceuse murale", 3800, "Matériaux du Sud", True),
                ("Échafaudage roulant", 7500, "Matériaux du Sud", False),
            ],
        ),
    ],
    Sector.CATERING: [
        (
            "Snack et restauration rapide",
            [
                ("Friteuse professionnelle", 5500, "Cuisine Pro Maroc", True),
                ("Plancha et hotte", 9000, "Cuisine Pro Maroc", False),
                ("Réfrigérateur vitrine", 8500, "Cuisine Pro Maroc", True),
            ],
        ),
        (
            "Pâtisserie traditionnelle",
            [
                ("Four à pâtisserie", 14000, "Cuisine Pro Maroc", True),
                ("Pétrin mélangeur", 7500, "Cuisine Pro Maroc", True),
                ("Plaques et moules", 2000, "Cuisine Pro Maroc", False),
            ],
        ),
    ],
    Sector.TRADE: [
        (
            "Épicerie de quartier",
            [
                ("Réfrigérateur vitrine", 8500, "Froid Commercial", True),
                ("Rayonnages métalliques", 5000, "Équipement Magasin", False),
                ("Stock de démarrage", 12000, "Grossiste régional", False),
            ],
        ),
        (
            "Vente de fruits et légumes",
            [
                ("Triporteur utilitaire", 24000, "Moto Maroc Distribution", True),
                ("Balance électronique", 1300, "Équipement Magasin", True),
                ("Caisses et étals", 2500, "Équipement Magasin", False),
            ],
        ),
    ],
}
# How projects fare after the handover: the state found at the 1-, 3-, 6- and 12-month visits.
TRAJECTORIES = [
    (("operating", "operating", "operating", "operating"), 6),
    (("struggling", "operating", "operating", "operating"), 4),
    (("operating", "struggling", "struggling", "operating"), 3),
    (("struggling", "struggling", "suspended", "operating"), 1),
    (("operating", "operating", "struggling", "closed"), 2),
    (("struggling", "closed", None, None), 1),
]
INCOME = {
    "operating": ["at_expected", "at_expected", "below_expected"],
    "struggling": ["below_half", "below_expected"],
    "suspended": ["none"],
    "closed": ["none"],
}
PROBLEMS = [
    "Peu de clients pendant l'hiver.",
    "Un client important paie en retard.",
    "Panne de la machine principale, réparée après deux semaines.",
    "Le local loué est trop loin du souk.",
    "Concurrence de vendeurs installés depuis longtemps.",
]
HELP = [["advice"], ["advice", "training"], ["training"], ["referral"], ["advice"]]
HELP_NOTES = {
    "advice": "Conseils de gestion et tenue d'un cahier des recettes.",
    "training": "Inscription à une formation courte en gestion de petite entreprise.",
    "referral": "Orientation vers une association de microcrédit.",
}


@dataclass
class Context:
    today: datetime.date
    preparer: User
    funder: User
    regions: dict


def load(stdout) -> None:
    context = _context()
    if context is None:
        stdout.write("Ventures: the Foundation's or the administration's demo login is missing; nothing loaded.")
        return
    created = Counter()
    for programme in PROGRAMMES:
        agreement = Agreement.objects.filter(reference=programme.reference).first()
        if agreement is None or Venture.objects.filter(agreement=agreement).exists():
            continue
        # What the services write in words (the budget movements' notes), they write in the staff's French.
        with translation.override("fr"):
            _load_programme(programme, agreement, context, created)
    stdout.write(
        "Ventures: {plans} new project plans, {funded} funded, {handed_over} handed over, "
        "{visits} follow-up visits.".format(
            **{key: created[key] for key in ("plans", "funded", "handed_over", "visits")}
        )
    )


def _context() -> Context | None:
    preparer = User.objects.filter(username=PREPARER).first()
    funder = User.objects.filter(username=FUNDER).first()
    if preparer is None or funder is None:
        return None
    return Context(
        today=timezone.localdate(),
        preparer=preparer,
        funder=funder,
        regions={region.code: region for region in Region.objects.all()},
    )


# Who gets what ----------------------------------------------------------------------------------------------


def _consenting(agreement: Agreement) -> list[Person]:
    consents = Consent.objects.filter(
        agreement=agreement,
        organization__code=FOUNDATION,
        purpose=ConsentPurpose.INCOME_PROJECT,
        revoked_at__isnull=True,
    )
    # A closed case gets no new plan (the services refuse it).
    people = (
        Person.objects.filter(pk__in=consents.values("person_id"))
        .exclude(status=PersonStatus.CLOSED)
        .prefetch_related("episodes", "skills")
    )
    return sorted(people, key=lambda person: person.source_reference or person.public_code)


def _released_on(person: Person) -> datetime.date | None:
    episodes = sorted(person.episodes.all(), key=lambda e: (e.admitted_on, e.pk))
    last = episodes[-1] if episodes else None
    if last is None or last.released_on is None or last.release_reason == ReleaseReason.DEATH:
        return None
    return last.released_on


def _admitted_on(person: Person) -> datetime.date:
    return max(e.admitted_on for e in person.episodes.all())


def _sector(rng: random.Random, person: Person) -> str:
    skills = sorted(skill.occupation for skill in person.skills.all())
    sectors = [SECTOR_OF_SKILL[code] for code in skills if code in SECTOR_OF_SKILL]
    return rng.choice(sectors) if sectors else rng.choice(list(ACTIVITIES))


def _every_sector_once(rng: random.Random, sectors: list[str]) -> list[str]:
    """Seed 003 names six sectors: make sure each appears among the funded projects."""
    sectors = list(sectors)
    for sector in ACTIVITIES:
        if sector in sectors:
            continue
        counts = Counter(sectors)
        most = counts.most_common(1)[0][0]
        sectors[sectors.index(most)] = sector
    return sectors


def _split(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    """`parts` amounts in whole hundreds of MAD that add up to `total` exactly."""
    weights = [rng.randint(60, 100) for _ in range(parts)]
    scale = total / sum(weights)
    amounts = [(Decimal(w) * scale / 100).quantize(ONE_MAD, ROUND_HALF_UP) * 100 for w in weights[:-1]]
    amounts.append(total - sum(amounts))
    return [amount.quantize(Decimal("0.01")) for amount in amounts]


def _kit(rng: random.Random, items: list[tuple], amount: Decimal) -> list[dict]:
    """The activity's equipment, quantities and prices adjusted so the kit costs `amount` exactly."""
    base = sum(Decimal(price) for _name, price, _supplier, _serial in items)
    quantity_of_first = max(1, int(amount / base / 2))
    lines, spent = [], Decimal("0")
    for position, (name, price, supplier, serial) in enumerate(items):
        last = position == len(items) - 1
        quantity = quantity_of_first if position == 0 else 1
        if last:
            unit_cost = amount - spent
        else:
            unit_cost = (Decimal(price) * amount / (base * quantity_of_first)).quantize(ONE_MAD, ROUND_HALF_UP)
        lines.append(
            {
                "name": name,
                "quantity": quantity,
                "unit_cost": unit_cost.quantize(Decimal("0.01")),
                "supplier": supplier,
                "serial_number": f"{supplier[:3].upper()}-{rng.randint(100000, 999999)}" if serial else "",
            }
        )
        spent += unit_cost * quantity
    return lines


# Writing them through the services ----------------------------------------------------------------------------


def _load_programme(programme: Programme, agreement: Agreement, context: Context, created: Counter) -> None:
    rng = random.Random(f"{SEED}-{programme.reference}")
    budgets = _budgets(agreement, context)
    people = _consenting(agreement)
    free = [p for p in people if p.status != PersonStatus.IN_CUSTODY and _released_on(p)]
    held = sorted((p for p in people if p.status == PersonStatus.IN_CUSTODY), key=lambda p: (_admitted_on(p), p.pk))
    funded_people = (free + held)[: programme.funded]
    others = [p for p in people if p not in funded_people]
    sectors = [_sector(rng, p) for p in funded_people]
    if programme.reference == "MA-FM6-BENI-MELLAL":
        sectors = _every_sector_once(rng, sectors)
    amounts = _split(rng, programme.kits_total, len(funded_people)) if funded_people else []
    for person, sector, amount in zip(funded_people, sectors, amounts, strict=True):
        with set_actor(context.preparer):
            _funded_project(rng, programme, agreement, budgets, person, sector, amount, context, created)
    _ask_donors_once(rng, programme, agreement, context)
    early_stages = ["draft", "in_review", "approved", "draft", "in_review", "rejected", "deferred"]
    for position, person in enumerate(others):
        with set_actor(context.preparer):
            _early_project(rng, programme, agreement, person, early_stages[position % len(early_stages)], context)
        created["plans"] += 1


def _budgets(agreement: Agreement, context: Context) -> list[Budget]:
    """The agreement's MAD budgets, the Foundation's share added where the article's total needs it."""
    share = FOUNDATION_SHARE.get(agreement.reference)
    if share and not Budget.objects.filter(agreement=agreement, label=share[1]).exists():
        party = Party.objects.filter(agreement=agreement, organization__code=FOUNDATION).order_by("pk").first()
        with set_actor(context.funder):
            agreement_services.add_budget(
                agreement=agreement, by=context.funder, amount=share[0], currency="MAD", funder=party, label=share[1]
            )
    # The funder's own budget first; the Foundation's share pays what it cannot.
    return list(Budget.objects.filter(agreement=agreement, currency="MAD").order_by("pk"))


def _plan(rng, programme: Programme, agreement, person, sector: str, equipment: Decimal, on, context) -> Venture:
    activity, items = rng.choice(ACTIVITIES[sector])
    working_capital = Decimal(rng.choice([0, 0, 3000, 5000, 8000]))
    return services.prepare_plan(
        person=person,
        by=context.preparer,
        currency="MAD",
        agreement=agreement,
        prepared_on=on,
        sector=sector,
        activity=activity,
        region=context.regions[programme.region],
        locality=rng.choice(programme.localities),
        training_and_experience=person.vocational_orientation or "",
        equipment_description=", ".join(name for name, _price, _supplier, _serial in items),
        equipment_budget=equipment,
        working_capital=working_capital,
        expected_monthly_income=Decimal(rng.choice([2500, 3000, 3500, 4000, 5000])),
    )


def _review(rng, programme: Programme, venture: Venture, decision: str, on, context, reasons: str = "") -> None:
    services.submit_for_review(venture=venture, by=context.preparer)
    version = venture.current_version
    approved_amount = None
    if decision == "approved" and version.working_capital:
        decision = "approved_with_changes"
        approved_amount = version.equipment_budget.quantize(Decimal("0.01"))
        reasons = "Équipement financé; le fonds de roulement sera demandé à une association de microcrédit."
    services.record_review(
        venture=venture,
        by=context.preparer,
        reviewed_on=on,
        members="\n".join(programme.members),
        committee=programme.committee,
        decision=decision,
        reasons=reasons,
        approved_amount=approved_amount,
    )


def _funded_project(rng, programme, agreement, budgets, person, sector, amount, context, created) -> None:
    today = context.today
    released_on = _released_on(person) if person.status != PersonStatus.IN_CUSTODY else None
    handover_on = None
    if released_on is not None:
        ceremony = min(programme.ceremony_on, today - datetime.timedelta(days=380))
        handover_on = ceremony if released_on <= ceremony - datetime.timedelta(days=14) else None
        if handover_on is None and released_on + datetime.timedelta(days=21) < today:
            handover_on = released_on + datetime.timedelta(days=21)
    if handover_on is not None:
        granted_on = handover_on - datetime.timedelta(days=rng.randint(30, 45))
    else:
        start = _admitted_on(person) + datetime.timedelta(days=90)
        granted_on = max(start, today - datetime.timedelta(days=rng.randint(20, 120)))
        granted_on = min(granted_on, today - datetime.timedelta(days=2))
    reviewed_on = granted_on - datetime.timedelta(days=rng.randint(8, 15))
    prepared_on = reviewed_on - datetime.timedelta(days=rng.randint(25, 50))
    venture = _plan(rng, programme, agreement, person, sector, amount, prepared_on, context)
    created["plans"] += 1
    _review(rng, programme, venture, "approved", reviewed_on, context)
    with set_actor(context.funder):
        services.grant_venture(
            venture=venture,
            by=context.funder,
            agreement=agreement,
            shares=_shares(budgets, amount),
            granted_on=granted_on,
        )
    created["funded"] += 1
    activity_items = next(items for name, items in ACTIVITIES[sector] if name == venture.current_version.activity)
    for line in _kit(rng, activity_items, amount):
        services.add_kit_item(venture=venture, by=context.preparer, **line)
    if handover_on is None and rng.random() < 0.5:
        return  # still being bought
    services.set_procurement(venture=venture, by=context.preparer, procurement="delivered")
    if handover_on is None:
        return  # delivered, waiting for the release
    at_ceremony = handover_on == min(programme.ceremony_on, today - datetime.timedelta(days=380))
    services.hand_over(
        venture=venture,
        by=context.preparer,
        handed_over_on=handover_on,
        place=programme.ceremony_place if at_ceremony else programme.centre,
        ceremony=programme.ceremony if at_ceremony else "",
        handed_over_by=programme.ceremony_by if at_ceremony else "Coordinateur du centre d'accompagnement",
        beneficiary_signed=True,
    )
    created["handed_over"] += 1
    created["visits"] += _follow(rng, venture, handover_on, context)


def _ask_donors_once(rng, programme: Programme, agreement, context: Context) -> None:
    """One kit still being bought lacks an item the grant could not pay for: the administration asks donors,
    through a draft case of the giving app (approving and publishing it is the giving app's own work)."""
    venture = (
        Venture.objects.filter(agreement=agreement, stage=Stage.FUNDED, equipment_case__isnull=True)
        .order_by("pk")
        .first()
    )
    if venture is None:
        return
    with set_actor(context.funder):
        services.ask_donors_for_equipment(venture=venture, by=context.funder, target=Decimal(rng.choice([4500, 6500])))


def _shares(budgets: list[Budget], amount: Decimal) -> list[tuple[Budget, Decimal]]:
    """Take the grant from the first budget while it lasts, the rest from the next one."""
    shares, left = [], amount
    for budget in budgets:
        room = budget.remaining
        if room <= 0 or left <= 0:
            continue
        part = min(room, left)
        shares.append((budget, part))
        left -= part
    return shares


def _follow(rng, venture: Venture, handed_over_on: datetime.date, context: Context) -> int:
    """The visits due so far, most recorded (some left overdue for the work list), along one trajectory."""
    trajectory = _weighted(rng, TRAJECTORIES)
    recorded = 0
    visits = {v.month_mark: v for v in venture.follow_ups.all()}
    due_marks = [m for m in FOLLOW_UP_MONTHS if add_months(handed_over_on, m) <= context.today]
    # Some centres are behind: the latest visit due is not made yet and waits on the work list.
    behind = due_marks[-1] if due_marks and rng.random() < 0.3 else None
    for months, state in zip(FOLLOW_UP_MONTHS, trajectory, strict=True):
        due = add_months(handed_over_on, months)
        if state is None or due > context.today:
            break
        if months == behind or rng.random() < 0.1:
            continue  # missed (a later visit may make up for it) or overdue
        visited_on = min(due + datetime.timedelta(days=rng.randint(-5, 12)), context.today)
        visited_on = max(visited_on, handed_over_on + datetime.timedelta(days=1))
        help_given = rng.choice(HELP) if state in ("struggling", "suspended") else []
        services.record_follow_up(
            venture=venture,
            by=context.preparer,
            follow_up=visits[months],
            visited_on=visited_on,
            state=state,
            income_band=rng.choice(INCOME[state]),
            problems=rng.choice(PROBLEMS) if state != "operating" else "",
            help_given=help_given,
            help_note=" ".join(HELP_NOTES[h] for h in help_given),
        )
        recorded += 1
    return recorded


def _early_project(rng, programme: Programme, agreement, person, stage: str, context: Context) -> None:
    """A plan still in preparation or review, or one the committee turned down."""
    today = context.today
    start = max(_admitted_on(person) + datetime.timedelta(days=30), today - datetime.timedelta(days=150))
    start = min(start, today - datetime.timedelta(days=10))
    sector = _sector(rng, person)
    activity, items = rng.choice(ACTIVITIES[sector])
    equipment = Decimal(sum(price for _name, price, _supplier, _serial in items)).quantize(Decimal("0.01"))
    venture = _plan(rng, programme, agreement, person, sector, equipment, start, context)
    reviewed_on = start + datetime.timedelta(days=rng.randint(3, 9))
    if stage == "draft":
        return
    if stage == "in_review":
        services.submit_for_review(venture=venture, by=context.preparer)
    elif stage == "approved":
        _review(rng, programme, venture, "approved", reviewed_on, context)
    elif stage == "rejected":
        _review(
            rng,
            programme,
            venture,
            "rejected",
            reviewed_on,
            context,
            reasons="Activité déjà très présente dans la commune; une orientation vers l'emploi salarié est proposée.",
        )
    elif stage == "deferred":
        _review(
            rng,
            programme,
            venture,
            "deferred",
            reviewed_on,
            context,
            reasons="Devis du fournisseur et accord du propriétaire du local à joindre au dossier.",
        )
        version = venture.current_version
        services.revise_plan(
            venture=venture,
            by=context.preparer,
            agreement=agreement,
            prepared_on=min(reviewed_on + datetime.timedelta(days=5), today),
            change_note="Devis du fournisseur joint; local trouvé près du souk hebdomadaire.",
            **{
                "sector": version.sector,
                "activity": version.activity,
                "region": version.region,
                "locality": version.locality,
                "training_and_experience": version.training_and_experience,
                "equipment_description": version.equipment_description,
                "equipment_budget": (version.equipment_budget * Decimal("0.9")).quantize(Decimal("0.01")),
                "working_capital": version.working_capital.quantize(Decimal("0.01")),
                "expected_monthly_income": version.expected_monthly_income.quantize(Decimal("0.01")),
            },
        )


def _weighted(rng: random.Random, choices: list[tuple]) -> object:
    total = sum(weight for _value, weight in choices)
    roll = rng.uniform(0, total)
    for value, weight in choices:
        roll -= weight
        if roll <= 0:
            return value
    return choices[-1][0]
