"""The operations that change family support. Each checks the actor's right and its input, runs in one
transaction (written to the change history in it) and writes nothing when refused."""

import datetime
import hashlib
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from karama.agreements import services as agreement_services
from karama.agreements.models import Agreement, Budget, BudgetMovement
from karama.core.access import require_manage, scope_of
from karama.core.crypto import decrypt, encrypt, lookup_hash, normalize_identifier
from karama.core.models import Organization, Region, User
from karama.core.money import to_amount, validate_currency
from karama.people import services as people_services
from karama.people.models import ConsentPurpose, Household, Person, Relation
from karama.people.selectors import active_consents, can_manage_person
from karama.support.models import (
    Coverage,
    Disbursement,
    HouseholdNeed,
    NeedEvidence,
    NeedKind,
    Recurrence,
    SupportForm,
    SupportPackage,
    SupportRequest,
    Urgency,
)
from karama.support.selectors import (
    HOUSEHOLD_PURPOSES,
    active_coverage,
    can_assess,
    can_check,
    can_give,
    can_link,
    has_accepted_request,
    households_visible_to,
    regions_for_public_form,
)

OPEN_REQUEST_STATUSES = [SupportRequest.Status.RECEIVED, SupportRequest.Status.AWAITING_LINK]
MAX_MESSAGE = 2000


def _today() -> datetime.date:
    return timezone.localdate()


def _not_in_future(value: datetime.date | None, field: str) -> None:
    if value and value > _today():
        raise ValidationError({field: _("The date cannot be in the future.")})


def _amount(value, currency: str, field: str = "amount") -> Decimal:
    try:
        return to_amount(value, currency)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def _stored(amount: Decimal, currency: str) -> Decimal:
    """An amount read back from a column with three decimals, in its currency's own minor units."""
    from karama.core.formatting import currency_precision

    exact = amount.quantize(Decimal(1).scaleb(-currency_precision(currency)))
    return exact if exact == amount else amount


def _currency(code: str) -> str:
    code = (code or "").strip().upper()
    try:
        validate_currency(code)
    except ValidationError as error:
        raise ValidationError({"currency": error.messages}) from None
    return code


def _choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: _("Choose one of the options.")})
    return value


# Coverage ---------------------------------------------------------------------------------------------


def add_coverage(
    *, by: User, association: Organization, region: Region, starts_on: datetime.date | None = None
) -> Coverage:
    """An association starts covering a region for the administration whose registry holds it."""
    administration = association.administration
    require_manage(by, association.administration_id)
    if association.kind != Organization.Kind.ASSOCIATION or administration is None:
        raise ValidationError({"association": _("Choose a support association of the administration's registry.")})
    if region.country != administration.country:
        raise ValidationError({"region": _("Choose a region of the administration's country.")})
    starts_on = starts_on or _today()
    with transaction.atomic():
        existing = Coverage.objects.select_for_update().filter(association=association, region=region).first()
        if existing is not None:
            if existing.is_active and existing.ends_on is None:
                raise ValidationError({"region": _("This association already covers this region.")})
            existing.starts_on, existing.ends_on, existing.created_by = starts_on, None, by
            existing.save(update_fields=["starts_on", "ends_on", "created_by"])
            return existing
        return Coverage.objects.create(
            association=association, region=region, administration=administration, starts_on=starts_on, created_by=by
        )


def end_coverage(*, coverage: Coverage, by: User, on: datetime.date | None = None) -> Coverage:
    require_manage(by, coverage.administration_id)
    on = on or _today()
    if on < coverage.starts_on:
        raise ValidationError({"on": _("The coverage cannot end before it started.")})
    with transaction.atomic():
        coverage.ends_on = on
        coverage.save(update_fields=["ends_on"])
    return coverage


def route(
    region: Region, administration: Organization | None = None
) -> tuple[Organization | None, Organization | None]:
    """(administration, association) for a family of this region: the covering association with the fewest
    open requests; the administration of the region's country when no association covers it yet."""
    coverage = active_coverage().filter(region=region).select_related("association", "administration")
    if administration is not None:
        coverage = coverage.filter(administration=administration)
    chosen = (
        coverage.annotate(
            open_requests=Count(
                "association__support_requests",
                filter=Q(association__support_requests__status__in=OPEN_REQUEST_STATUSES),
            )
        )
        .order_by("open_requests", "starts_on", "pk")
        .first()
    )
    if chosen is not None:
        return chosen.administration, chosen.association
    if administration is None:
        administration = (
            Organization.objects.filter(kind=Organization.Kind.PRISON_ADMINISTRATION, country=region.country)
            .order_by("pk")
            .first()
        )
    return administration, None


# Requests -----------------------------------------------------------------------------------------------


def _phone(value: str) -> str:
    from karama.core.formatting import latin_digits

    phone = " ".join(latin_digits(value or "").split())
    digits = sum(ch.isdigit() for ch in phone)
    if digits < 6 or digits > 20 or any(not (ch.isdigit() or ch in " +-().") for ch in phone):
        raise ValidationError({"contact_phone": _("Enter a telephone number we can call, such as 0912 345 6789.")})
    return phone


def _national_id(value: str) -> tuple[str, str]:
    normalized = normalize_identifier(value)
    if not normalized:
        return "", ""
    if len(normalized) < 5 or len(normalized) > 30:
        raise ValidationError({"prisoner_national_id": _("A national ID has between 5 and 30 letters or digits.")})
    return encrypt(normalized), lookup_hash(normalized)


def submit_public_request(
    *,
    region: Region,
    contact_name: str,
    contact_relation: str,
    contact_phone: str,
    prisoner_name: str,
    prisoner_national_id: str = "",
    household_size: int | None = None,
    children: int | None = None,
    needs: Iterable[str] = (),
    message: str = "",
    language: str = "",
) -> SupportRequest:
    """A family asks for support through the public form. Nothing is looked up in the registry here: the
    answer is the same whether or not the prisoner is known, and the association checks face to face."""
    if not regions_for_public_form().filter(pk=region.pk).exists():
        raise ValidationError({"region": _("Choose your region.")})
    contact_name, prisoner_name = (contact_name or "").strip(), (prisoner_name or "").strip()
    if not contact_name:
        raise ValidationError({"contact_name": _("Tell us your name.")})
    if not prisoner_name:
        raise ValidationError({"prisoner_name": _("Tell us the name of your family member in prison.")})
    _choice(contact_relation, Relation, "contact_relation")
    needs = list(dict.fromkeys(needs or []))
    if any(kind not in NeedKind.values for kind in needs):
        raise ValidationError({"needs": _("Choose one of the options.")})
    if household_size is not None and children is not None and children >= household_size:
        raise ValidationError({"children": _("Children are counted among the people of the household.")})
    if len(message or "") > MAX_MESSAGE:
        raise ValidationError({"message": _("Keep the message under %(count)s characters.") % {"count": MAX_MESSAGE}})
    phone = _phone(contact_phone)
    national_id_encrypted, national_id_hash = _national_id(prisoner_national_id)
    administration, association = route(region)
    if administration is None:
        raise ValidationError({"region": _("Choose your region.")})
    with transaction.atomic():
        return SupportRequest.objects.create(
            administration=administration,
            region=region,
            association=association,
            channel=SupportRequest.Channel.PUBLIC_FORM,
            language=language,
            contact_name=contact_name[:200],
            contact_relation=contact_relation,
            contact_phone_encrypted=encrypt(phone),
            prisoner_name=prisoner_name[:200],
            prisoner_national_id_encrypted=national_id_encrypted,
            prisoner_national_id_hash=national_id_hash,
            household_size=household_size,
            children=children,
            needs=needs,
            message=(message or "").strip(),
        )


def register_for_support(*, person: Person, by: User, note: str = "") -> SupportRequest:
    """Staff register a person's household for support from the person's record; it is routed to the
    association covering the household's region (or the one supporting it) for the face-to-face check."""
    if not can_manage_person(by, person):
        raise PermissionDenied
    household = Household.objects.filter(person=person).select_related("region", "supporting_association").first()
    if household is None or household.region_id is None:
        raise ValidationError(_("Record the household and its region first: the region decides who checks it."))
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()
        if household.support_requests.filter(status__in=[*OPEN_REQUEST_STATUSES, "accepted"]).exists():
            raise ValidationError(_("This household is already registered for support."))
        administration, association = route(household.region, person.administration)
        if household.supporting_association_id and household.supporting_association.kind == "association":
            association = household.supporting_association
        return SupportRequest.objects.create(
            administration=person.administration,
            region=household.region,
            association=association,
            channel=SupportRequest.Channel.STAFF,
            contact_name=household.contact_name,
            household=household,
            message=(note or "").strip()[:MAX_MESSAGE],
            created_by=by,
        )


def _open(request: SupportRequest) -> SupportRequest:
    locked = SupportRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status not in OPEN_REQUEST_STATUSES:
        raise ValidationError(_("This request has already been decided."))
    return locked


def _decide(request: SupportRequest, by: User, status: str) -> None:
    request.status, request.decided_by, request.decided_at = status, by, timezone.now()


def record_check(
    *,
    request: SupportRequest,
    by: User,
    checked_on: datetime.date,
    note: str = "",
    confirmed: bool = True,
    rejection_reason: str = "",
) -> SupportRequest:
    """The association met the family. Confirmed: the request is accepted once it is linked to the prisoner's
    household record — at once when the association already covers that household, else by the
    administration's staff. Not confirmed: it is rejected, with the reason."""
    if not can_check(by, request):
        raise PermissionDenied
    _not_in_future(checked_on, "checked_on")
    if not confirmed:
        _choice(rejection_reason, SupportRequest.RejectionReason, "rejection_reason")
    with transaction.atomic():
        locked = _open(request)
        if locked.checked_on is not None:
            raise ValidationError(_("The face-to-face check is already recorded."))
        locked.checked_on, locked.checked_by, locked.check_note = checked_on, by, (note or "").strip()
        if not confirmed:
            locked.rejection_reason = rejection_reason
            _decide(locked, by, SupportRequest.Status.REJECTED)
        elif locked.household_id or _link_known_household(locked, by):
            _accept(locked, by)
        else:
            locked.status = SupportRequest.Status.AWAITING_LINK
        locked.save()
    return locked


def _link_known_household(request: SupportRequest, by: User) -> bool:
    """Link by the national ID's look-up hash, when the checker already covers that household."""
    if not request.prisoner_national_id_hash:
        return False
    household = (
        households_visible_to(by)
        .filter(
            person__administration_id=request.administration_id,
            person__national_id_hash=request.prisoner_national_id_hash,
        )
        .first()
    )
    if household is None:
        return False
    request.household = household
    return True


def _accept(request: SupportRequest, by: User) -> None:
    clash = SupportRequest.objects.filter(household_id=request.household_id, status=SupportRequest.Status.ACCEPTED)
    if clash.exclude(pk=request.pk).exists():
        raise ValidationError(_("This household is already supported; reject this request as a duplicate."))
    _decide(request, by, SupportRequest.Status.ACCEPTED)


def link_request(
    *, request: SupportRequest, by: User, person: Person, record_consent: bool = True, signed_form=None
) -> SupportRequest:
    """Staff link a request to the prisoner's record: the household is created or completed from it, and the
    prisoner's consent to share the household with the association is recorded when given."""
    if not can_link(by) or not can_manage_person(by, person):
        raise PermissionDenied
    if person.administration_id != request.administration_id:
        raise ValidationError({"person": _("Choose a person of the request's administration.")})
    with transaction.atomic():
        locked = _open(request)
        household = _complete_household(locked, person, by)
        if record_consent and locked.association_id and not _consented(person, locked.association_id):
            people_services.record_consent(
                person=person,
                by=by,
                organization=locked.association,
                purpose=ConsentPurpose.FAMILY_SUPPORT,
                valid_from=_today(),
                signed_form=signed_form,
            )
        locked.household = household
        if locked.checked_on:
            _accept(locked, by)
        locked.save()
    return locked


def _consented(person: Person, organization_id: int) -> bool:
    return active_consents(organization_id).filter(person=person, purpose__in=HOUSEHOLD_PURPOSES).exists()


def _complete_household(request: SupportRequest, person: Person, by: User) -> Household:
    """The person's household, created if missing, with what the request knows filled into what is empty."""
    household = Household.objects.filter(person=person).first()
    fields = {}
    if household is None or household.region_id is None:
        fields["region"] = request.region
    if (household is None or household.supporting_association_id is None) and request.association_id:
        fields["supporting_association"] = request.association
    if request.contact_name and (household is None or not household.contact_name):
        fields["contact_name"] = request.contact_name
        fields["contact_relation"] = request.get_contact_relation_display() if request.contact_relation else ""
    phone = None
    if request.contact_phone_encrypted and (household is None or not household.contact_phone_encrypted):
        phone = decrypt(request.contact_phone_encrypted)
    if household is not None and not fields and phone is None:
        return household
    return people_services.save_household(person=person, by=by, contact_phone=phone, **fields)


def reject_request(*, request: SupportRequest, by: User, reason: str, note: str = "") -> SupportRequest:
    if not (can_check(by, request) or can_link(by) and scope_of(by).can_manage(request.administration_id)):
        raise PermissionDenied
    _choice(reason, SupportRequest.RejectionReason, "rejection_reason")
    with transaction.atomic():
        locked = _open(request)
        locked.rejection_reason, locked.decision_note = reason, (note or "").strip()
        _decide(locked, by, SupportRequest.Status.REJECTED)
        locked.save()
    return locked


def assign_request(*, request: SupportRequest, by: User, association: Organization) -> SupportRequest:
    """An administrator sends a request to another association (none covered the region, or the wrong one)."""
    require_manage(by, request.administration_id)
    if association.kind != Organization.Kind.ASSOCIATION or association.administration_id != request.administration_id:
        raise ValidationError({"association": _("Choose a support association of the administration's registry.")})
    with transaction.atomic():
        locked = _open(request)
        if locked.checked_on:
            raise ValidationError(_("The face-to-face check is already recorded."))
        locked.association = association
        locked.save(update_fields=["association", "updated_at"])
    return locked


# Needs ----------------------------------------------------------------------------------------------------


def _acting_organization(by: User, household: Household) -> Organization:
    scope = scope_of(by)
    if scope.is_partner:
        return Organization.objects.get(pk=scope.organization_id)
    return household.person.administration


def _covering_association(household: Household, by: User) -> Organization | None:
    scope = scope_of(by)
    if scope.is_partner:
        return Organization.objects.get(pk=scope.organization_id)
    if household.supporting_association_id:
        return household.supporting_association
    accepted = household.support_requests.filter(status=SupportRequest.Status.ACCEPTED).first()
    return accepted.association if accepted else None


def _amount_or_items(amount, currency: str, items: str) -> tuple[Decimal | None, str, str]:
    items = (items or "").strip()
    if amount in (None, ""):
        if not items:
            raise ValidationError({"amount": _("Give an amount, or the items needed.")})
        return None, (currency or "").strip().upper(), items
    currency = _currency(currency)
    return _amount(amount, currency), currency, items


def record_need(
    *,
    household: Household,
    by: User,
    kind: str,
    amount=None,
    currency: str = "",
    items: str = "",
    description: str = "",
    recurrence: str = Recurrence.ONE_OFF,
    urgency: str = Urgency.MEDIUM,
    assessed_on: datetime.date | None = None,
) -> HouseholdNeed:
    """A need assessed by the covering association or the person's facility staff, once the household has
    passed the face-to-face check."""
    if not can_assess(by, household):
        raise PermissionDenied
    if not has_accepted_request(household):
        raise ValidationError(_("A need is accepted only after the association's face-to-face check of the household."))
    _choice(kind, NeedKind, "kind")
    _choice(recurrence, Recurrence, "recurrence")
    _choice(urgency, Urgency, "urgency")
    _not_in_future(assessed_on, "assessed_on")
    amount, currency, items = _amount_or_items(amount, currency, items)
    need = HouseholdNeed(
        household=household,
        administration_id=household.person.administration_id,
        kind=kind,
        description=(description or "").strip(),
        amount=amount,
        currency=currency,
        items=items,
        recurrence=recurrence,
        urgency=urgency,
        assessed_on=assessed_on or _today(),
        assessed_by=by,
        assessing_organization=_acting_organization(by, household),
        covering_association=_covering_association(household, by),
    )
    with transaction.atomic():
        need.save()
    return need


def change_need_status(*, need: HouseholdNeed, by: User, status: str, note: str = "") -> HouseholdNeed:
    if not can_assess(by, need.household):
        raise PermissionDenied
    _choice(status, HouseholdNeed.Status, "status")
    with transaction.atomic():
        locked = HouseholdNeed.objects.select_for_update().get(pk=need.pk)
        locked.status, locked.status_note = status, (note or "").strip()[:300]
        locked.save(update_fields=["status", "status_note", "updated_at"])
    return locked


_SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg"}


def attach_evidence(*, need: HouseholdNeed, by: User, uploaded: UploadedFile | None, title: str = "") -> NeedEvidence:
    """Keep a PDF or JPEG supporting the need; it is served only to those who see the household."""
    if not can_assess(by, need.household):
        raise PermissionDenied
    if uploaded is None:
        raise ValidationError({"file": _("Choose a PDF document or a JPEG photo.")})
    limit = settings.KARAMA_DOCUMENT_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError({"file": _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}})
    uploaded.seek(0)
    head = uploaded.read(5)
    uploaded.seek(0)
    content_type = next((kind for signature, kind in _SIGNATURES.items() if head.startswith(signature)), None)
    if content_type is None:
        raise ValidationError({"file": _("Only PDF documents and JPEG photos can be attached.")})
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    evidence = NeedEvidence(
        need=need,
        title=((title or "").strip() or _("Evidence"))[:200],
        content_type=content_type,
        size=uploaded.size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )
    with transaction.atomic():
        evidence.file.save("evidence", uploaded, save=False)
        try:
            evidence.save()
        except Exception:
            evidence.file.delete(save=False)
            raise
    return evidence


# Packages and disbursements ---------------------------------------------------------------------------------


def _giving_association(by: User, household: Household, association: Organization | None) -> Organization:
    scope = scope_of(by)
    if scope.is_partner:
        return Organization.objects.get(pk=scope.organization_id)
    if (
        association is None
        or association.kind != Organization.Kind.ASSOCIATION
        or association.administration_id != household.person.administration_id
    ):
        raise ValidationError({"association": _("Choose a support association of the administration's registry.")})
    return association


def _check_agreement(agreement: Agreement | None, household: Household, association: Organization) -> None:
    if agreement is None:
        return
    if agreement.administration_id != household.person.administration_id:
        raise ValidationError({"agreement": _("Choose an agreement of the household's administration.")})
    if agreement.status != Agreement.Status.ACTIVE:
        raise ValidationError({"agreement": _("Only an active agreement can be drawn on.")})
    if not agreement.parties.filter(organization=association).exists():
        raise ValidationError({"agreement": _("The association is not a party to this agreement.")})


def _budget_for(agreement: Agreement | None, budget: Budget | None, form: str, currency: str) -> Budget | None:
    """The budget a cash package draws on: the one chosen, or the agreement's only budget in that currency."""
    if agreement is None or form != SupportForm.CASH:
        if budget is not None:
            raise ValidationError({"budget": _("Only cash drawn under an agreement comes from a budget.")})
        return None
    budgets = list(agreement.budgets.filter(currency=currency))
    if budget is not None:
        if budget.pk not in {b.pk for b in budgets}:
            raise ValidationError({"budget": _("Choose a budget of this agreement in the package's currency.")})
        return budget
    if len(budgets) > 1:
        raise ValidationError({"budget": _("This agreement has several budgets in this currency: choose one.")})
    return budgets[0] if budgets else None


def _package_needs(household: Household, needs: Iterable[HouseholdNeed]) -> list[HouseholdNeed]:
    needs = list(needs or [])
    if any(need.household_id != household.pk or not need.is_open for need in needs):
        raise ValidationError({"needs": _("Choose open needs of this household.")})
    return needs


def create_package(
    *,
    household: Household,
    by: User,
    form: str,
    association: Organization | None = None,
    agreement: Agreement | None = None,
    budget: Budget | None = None,
    amount=None,
    currency: str = "",
    items: str = "",
    recurrence: str = Recurrence.ONE_OFF,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    description: str = "",
    needs: Iterable[HouseholdNeed] = (),
) -> SupportPackage:
    """What an association will give the household, cash or in kind, under the agreement it draws on."""
    if not can_give(by, household):
        raise PermissionDenied
    if not has_accepted_request(household):
        raise ValidationError(_("Support is given only after the association's face-to-face check of the household."))
    _choice(form, SupportForm, "form")
    _choice(recurrence, Recurrence, "recurrence")
    association = _giving_association(by, household, association)
    _check_agreement(agreement, household, association)
    items = (items or "").strip()
    if form == SupportForm.CASH:
        currency = _currency(currency)
        amount = _amount(amount, currency)
    else:
        if not items:
            raise ValidationError({"items": _("List what is given in kind.")})
        amount, currency = None, (currency or "").strip().upper()
        if currency:
            _currency(currency)
    budget = _budget_for(agreement, budget, form, currency)
    starts_on = starts_on or _today()
    if ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end date cannot be before the start date.")})
    needs = _package_needs(household, needs)
    with transaction.atomic():
        package = SupportPackage.objects.create(
            household=household,
            administration_id=household.person.administration_id,
            association=association,
            agreement=agreement,
            budget=budget,
            form=form,
            description=(description or "").strip(),
            amount=amount,
            currency=currency,
            items=items,
            recurrence=recurrence,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=by,
        )
        package.needs.set(needs)
        for need in needs:
            if need.status == HouseholdNeed.Status.OPEN:
                need.status = HouseholdNeed.Status.IN_PROGRESS
                need.save(update_fields=["status", "updated_at"])
    return package


def _require_giver(by: User, package: SupportPackage) -> None:
    scope = scope_of(by)
    if scope.is_partner and package.association_id != scope.organization_id:
        raise PermissionDenied
    if not can_give(by, package.household):
        raise PermissionDenied


def change_package_status(*, package: SupportPackage, by: User, status: str) -> SupportPackage:
    _require_giver(by, package)
    _choice(status, SupportPackage.Status, "status")
    with transaction.atomic():
        locked = SupportPackage.objects.select_for_update().get(pk=package.pk)
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
    return locked


def record_disbursement(
    *,
    package: SupportPackage,
    by: User,
    disbursed_on: datetime.date | None = None,
    amount=None,
    items: str = "",
    estimated_value=None,
    reference: str = "",
    note: str = "",
) -> Disbursement:
    """One handing-over to the household. Cash drawn from an agreement's budget is allocated from it at once
    when an administrator records it; when an association records it, it waits for the administration's
    approval, which makes the allocation. The budget is never drawn past what remains."""
    _require_giver(by, package)
    if package.status != SupportPackage.Status.ACTIVE:
        raise ValidationError(_("Only an active package can be disbursed."))
    disbursed_on = disbursed_on or _today()
    _not_in_future(disbursed_on, "disbursed_on")
    if disbursed_on < package.starts_on or (package.ends_on and disbursed_on > package.ends_on):
        raise ValidationError({"disbursed_on": _("The date falls outside the package's period.")})
    disbursement = Disbursement(
        package=package,
        household_id=package.household_id,
        administration_id=package.administration_id,
        association_id=package.association_id,
        form=package.form,
        currency=package.currency,
        disbursed_on=disbursed_on,
        reference=(reference or "").strip()[:100],
        note=(note or "").strip()[:300],
        recorded_by=by,
    )
    if package.form == SupportForm.CASH:
        default = _stored(package.amount, package.currency)
        disbursement.amount = _amount(default if amount in (None, "") else amount, package.currency)
    else:
        disbursement.items = (items or "").strip() or package.items
        if estimated_value not in (None, ""):
            if not package.currency:
                raise ValidationError({"estimated_value": _("Give the package a currency to record values.")})
            disbursement.estimated_value = _amount(estimated_value, package.currency, "estimated_value")
    draws = package.form == SupportForm.CASH and package.budget_id is not None
    with transaction.atomic():
        if draws and not scope_of(by).can_manage(package.administration_id):
            disbursement.status = Disbursement.Status.AWAITING_APPROVAL
        elif draws:
            disbursement.budget_movement = _draw(disbursement, package, by)
        disbursement.save()
        if disbursement.status == Disbursement.Status.DISBURSED:
            _complete_one_off(package)
    return disbursement


def _draw(disbursement: Disbursement, package: SupportPackage, by: User) -> BudgetMovement:
    return agreement_services.record_budget_movement(
        budget=package.budget,
        by=by,
        kind=BudgetMovement.Kind.ALLOCATION,
        amount=_stored(disbursement.amount, package.currency),
        occurred_on=disbursement.disbursed_on,
        reference=disbursement.reference,
        note=_("Family support %(household)s") % {"household": package.household.public_code},
        source=disbursement.budget_source,
    )


def _complete_one_off(package: SupportPackage) -> None:
    """A one-off package is complete once handed over, and the needs it answered are met."""
    if package.recurrence != Recurrence.ONE_OFF:
        return
    SupportPackage.objects.filter(pk=package.pk).update(
        status=SupportPackage.Status.COMPLETED, updated_at=timezone.now()
    )
    for need in package.needs.filter(status=HouseholdNeed.Status.IN_PROGRESS):
        need.status = HouseholdNeed.Status.MET
        need.save(update_fields=["status", "updated_at"])


def approve_disbursement(*, disbursement: Disbursement, by: User) -> Disbursement:
    """The administration approves an association's cash disbursement: the budget is drawn now."""
    require_manage(by, disbursement.administration_id)
    with transaction.atomic():
        locked = (
            Disbursement.objects.select_for_update(of=("self",))
            .select_related("package__budget", "package__household")
            .get(pk=disbursement.pk)
        )
        if locked.status != Disbursement.Status.AWAITING_APPROVAL:
            raise ValidationError(_("This disbursement has already been decided."))
        locked.budget_movement = _draw(locked, locked.package, by)
        locked.status, locked.decided_by, locked.decided_at = Disbursement.Status.DISBURSED, by, timezone.now()
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise ValidationError(_("This disbursement has already been decided.")) from None
        _complete_one_off(locked.package)
    return locked


def refuse_disbursement(*, disbursement: Disbursement, by: User, reason: str) -> Disbursement:
    require_manage(by, disbursement.administration_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the disbursement is refused.")})
    with transaction.atomic():
        locked = Disbursement.objects.select_for_update().get(pk=disbursement.pk)
        if locked.status != Disbursement.Status.AWAITING_APPROVAL:
            raise ValidationError(_("This disbursement has already been decided."))
        locked.status, locked.refusal_reason = Disbursement.Status.REFUSED, reason[:300]
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    return locked
