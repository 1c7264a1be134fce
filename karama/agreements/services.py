"""The operations that change agreements. Each checks its input, runs in one transaction and
is the only road views, the API and commands take; a refused change writes nothing."""

import datetime
import hashlib
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from karama.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementDomain,
    Budget,
    BudgetMovement,
    BudgetTotals,
    Commitment,
    Domain,
    Objective,
    Party,
)
from karama.core.access import require_manage
from karama.core.models import Organization, User, validate_names
from karama.core.money import to_amount, validate_currency

AGREEMENT_FIELDS = (
    "kind",
    "reference",
    "names",
    "original_language",
    "summary",
    "signed_on",
    "signed_place",
    "starts_on",
    "ends_on",
)


def _check_dates(starts_on: datetime.date | None, ends_on: datetime.date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end date cannot be before the start date.")})


def _check_reference(administration_id: int, reference: str, exclude_pk: int | None = None) -> str:
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": _("Give the agreement a reference.")})
    clash = Agreement.objects.filter(administration_id=administration_id, reference__iexact=reference)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"reference": _("Another agreement already has the reference %(reference)s.") % {"reference": reference}}
        )
    return reference


def _check_domains(domains: Iterable[str]) -> list[str]:
    domains = list(dict.fromkeys(domains or []))
    unknown = [domain for domain in domains if domain not in Domain.values]
    if unknown:
        raise ValidationError({"domains": _("Unknown domain: %(domain)s.") % {"domain": ", ".join(unknown)}})
    return domains


def _full_clean(instance, exclude: list[str] | None = None) -> None:
    """Model validation, with the unique checks left to the explicit, translated ones above."""
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _save_domains(agreement: Agreement, domains: list[str]) -> None:
    existing = set(agreement.domains.values_list("domain", flat=True))
    for domain in existing - set(domains):
        # Deleted one by one so each removal enters the change history.
        for row in agreement.domains.filter(domain=domain):
            row.delete()
    for domain in domains:
        if domain not in existing:
            AgreementDomain.objects.create(agreement=agreement, domain=domain)


def create_agreement(
    *,
    by: User,
    administration: Organization,
    kind: str,
    reference: str,
    names: dict,
    original_language: str = "en",
    summary: str = "",
    signed_on: datetime.date | None = None,
    signed_place: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    domains: Iterable[str] = (),
) -> Agreement:
    require_manage(by, administration.pk)
    if not administration.is_administration:
        raise ValidationError({"administration": _("Agreements belong to a prison administration.")})
    _check_dates(starts_on, ends_on)
    domains = _check_domains(domains)
    agreement = Agreement(
        administration=administration,
        kind=kind,
        reference=_check_reference(administration.pk, reference),
        names={code: text.strip() for code, text in (names or {}).items() if text and text.strip()},
        original_language=original_language,
        summary=summary,
        signed_on=signed_on,
        signed_place=signed_place,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=by,
    )
    _full_clean(agreement)
    try:
        with transaction.atomic():
            agreement.save()
            _save_domains(agreement, domains)
    except IntegrityError:
        # Two requests raced for the same reference; the database kept one.
        raise ValidationError(
            {"reference": _("Another agreement already has the reference %(reference)s.") % {"reference": reference}}
        ) from None
    return agreement


def update_agreement(*, agreement: Agreement, by: User, domains: Iterable[str] | None = None, **changes) -> Agreement:
    require_manage(by, agreement.administration_id)
    unknown = set(changes) - set(AGREEMENT_FIELDS)
    if unknown:
        raise ValueError(f"update_agreement cannot change {sorted(unknown)}")
    if "names" in changes:
        changes["names"] = {
            code: text.strip() for code, text in (changes["names"] or {}).items() if text and text.strip()
        }
        validate_names(changes["names"])
    if "reference" in changes:
        changes["reference"] = _check_reference(agreement.administration_id, changes["reference"], agreement.pk)
    _check_dates(changes.get("starts_on", agreement.starts_on), changes.get("ends_on", agreement.ends_on))
    domains = _check_domains(domains) if domains is not None else None
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        for field, value in changes.items():
            setattr(locked, field, value)
        _full_clean(locked)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise ValidationError(
                {
                    "reference": _("Another agreement already has the reference %(reference)s.")
                    % {"reference": changes.get("reference")}
                }
            ) from None
        if domains is not None:
            _save_domains(locked, domains)
    return locked


def change_agreement_status(*, agreement: Agreement, status: str, by: User) -> Agreement:
    require_manage(by, agreement.administration_id)
    if status not in Agreement.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if not locked.can_change_to(status):
            raise ValidationError(
                {
                    "status": _("An agreement cannot go from “%(from)s” to “%(to)s”.")
                    % {
                        "from": locked.get_status_display(),
                        "to": Agreement.Status(status).label,
                    }
                }
            )
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
    return locked


def add_party(
    *,
    agreement: Agreement,
    by: User,
    organization: Organization,
    role: str = Party.Role.SIGNATORY,
    representative_name: str = "",
    representative_title: str = "",
    deputy_name: str = "",
    deputy_title: str = "",
) -> Party:
    require_manage(by, agreement.administration_id)
    if Party.objects.filter(agreement=agreement, organization=organization, role=role).exists():
        raise ValidationError({"organization": _("This organization is already a party in that role.")})
    party = Party(
        agreement=agreement,
        organization=organization,
        role=role,
        representative_name=representative_name,
        representative_title=representative_title,
        deputy_name=deputy_name,
        deputy_title=deputy_title,
    )
    _full_clean(party)
    with transaction.atomic():
        party.save()
    return party


def remove_party(*, party: Party, by: User) -> None:
    require_manage(by, party.agreement.administration_id)
    if party.commitments.exists() or party.budgets.exists():
        raise ValidationError(_("This party has commitments or a budget; remove those first."))
    with transaction.atomic():
        party.delete()


def add_objective(*, agreement: Agreement, by: User, text: str) -> Objective:
    require_manage(by, agreement.administration_id)
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the objective.")})
    with transaction.atomic():
        # Lock the agreement so two objectives added at once get distinct positions.
        Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
        position = agreement.objectives.count()
        return Objective.objects.create(agreement=agreement, text=text.strip(), position=position)


def remove_objective(*, objective: Objective, by: User) -> None:
    require_manage(by, objective.agreement.administration_id)
    with transaction.atomic():
        objective.delete()


def _check_party(agreement: Agreement, party: Party | None, field: str = "party") -> None:
    if party is not None and party.agreement_id != agreement.pk:
        raise ValidationError({field: _("Choose a party to this agreement.")})


def add_commitment(
    *,
    agreement: Agreement,
    by: User,
    description: str,
    party: Party | None = None,
    target_quantity: int | None = None,
    unit: str = Commitment.Unit.OTHER,
    due_on: datetime.date | None = None,
) -> Commitment:
    require_manage(by, agreement.administration_id)
    _check_party(agreement, party)
    commitment = Commitment(
        agreement=agreement,
        party=party,
        description=(description or "").strip(),
        target_quantity=target_quantity,
        unit=unit,
        due_on=due_on,
    )
    _full_clean(commitment)
    with transaction.atomic():
        commitment.save()
    return commitment


def update_commitment(*, commitment: Commitment, by: User, **changes) -> Commitment:
    require_manage(by, commitment.agreement.administration_id)
    allowed = {"description", "party", "target_quantity", "unit", "due_on"}
    if set(changes) - allowed:
        raise ValueError(f"update_commitment cannot change {sorted(set(changes) - allowed)}")
    _check_party(commitment.agreement, changes.get("party", commitment.party))
    for field, value in changes.items():
        setattr(commitment, field, value)
    _full_clean(commitment)
    with transaction.atomic():
        commitment.save()
    return commitment


def remove_commitment(*, commitment: Commitment, by: User) -> None:
    require_manage(by, commitment.agreement.administration_id)
    with transaction.atomic():
        commitment.delete()


def add_budget(
    *,
    agreement: Agreement,
    by: User,
    amount,
    currency: str,
    funder: Party | None = None,
    label: str = "",
) -> Budget:
    require_manage(by, agreement.administration_id)
    try:
        validate_currency(currency)
    except ValidationError as error:
        raise ValidationError({"currency": error.messages}) from None
    try:
        amount = to_amount(amount, currency)
    except ValidationError as error:
        raise ValidationError({"amount": error.messages}) from None
    _check_party(agreement, funder, "funder")
    with transaction.atomic():
        return Budget.objects.create(agreement=agreement, funder=funder, label=label, amount=amount, currency=currency)


def record_budget_movement(
    *,
    budget: Budget,
    by: User,
    kind: str,
    amount,
    occurred_on: datetime.date | None = None,
    reference: str = "",
    note: str = "",
    source: str = "",
) -> BudgetMovement:
    """Record an allocation, release or adjustment; the remaining budget can never go below zero.

    The budget row is locked for the check and the insert, so concurrent allocations
    (two grants at once) are decided one after the other.
    """
    if not can_record_movement(by, budget, kind, source):
        raise PermissionDenied
    if kind not in BudgetMovement.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of movement.")})
    try:
        amount = to_amount(amount, budget.currency, allow_negative=kind == BudgetMovement.Kind.ADJUSTMENT)
    except ValidationError as error:
        raise ValidationError({"amount": error.messages}) from None
    with transaction.atomic():
        locked = Budget.objects.select_for_update().get(pk=budget.pk)
        _check_movement(locked.totals(), kind, amount, locked.currency)
        return BudgetMovement.objects.create(
            budget=locked,
            kind=kind,
            amount=amount,
            occurred_on=occurred_on or datetime.date.today(),
            reference=reference,
            note=note,
            source=source,
            created_by=by,
        )


def can_record_movement(user: User, budget: Budget, kind: str, source: str = "") -> bool:
    """The administration's managers record any movement. A partner that funds or implements an active
    agreement may also draw on (and give back to) its budget, but only for a record of one of the apps
    (a grant, a disbursement: `source` names it), never by typing an amount or adjusting the total."""
    from karama.core.access import scope_of

    scope = scope_of(user)
    if scope.can_manage(budget.agreement.administration_id):
        return True
    if not (scope.is_partner and source and kind in {BudgetMovement.Kind.ALLOCATION, BudgetMovement.Kind.RELEASE}):
        return False
    agreement = budget.agreement
    return (
        agreement.status == Agreement.Status.ACTIVE
        and agreement.parties.filter(
            organization_id=scope.organization_id, role__in=[Party.Role.FUNDER, Party.Role.IMPLEMENTER]
        ).exists()
    )


def _check_movement(totals: BudgetTotals, kind: str, amount: Decimal, currency: str) -> None:
    from karama.core.formatting import format_money

    if kind == BudgetMovement.Kind.ALLOCATION and amount > totals.remaining:
        raise ValidationError(
            {
                "amount": _("Only %(remaining)s remains in this budget.")
                % {"remaining": format_money(totals.remaining, currency)}
            }
        )
    if kind == BudgetMovement.Kind.RELEASE and amount > totals.allocated:
        raise ValidationError(
            {
                "amount": _("Only %(allocated)s is allocated and can be released.")
                % {"allocated": format_money(totals.allocated, currency)}
            }
        )
    if kind == BudgetMovement.Kind.ADJUSTMENT and totals.remaining + amount < 0:
        raise ValidationError({"amount": _("This adjustment would leave less than what is already allocated.")})


def attach_document(*, agreement: Agreement, by: User, uploaded: UploadedFile, title: str = "") -> AgreementDocument:
    """Keep a signed copy of the agreement. Only PDF files, no larger than the configured limit."""
    require_manage(by, agreement.administration_id)
    limit = settings.KARAMA_DOCUMENT_MAX_BYTES
    if uploaded is None:
        raise ValidationError({"file": _("Choose a PDF file.")})
    if uploaded.size > limit:
        raise ValidationError({"file": _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}})
    uploaded.seek(0)
    head = uploaded.read(5)
    uploaded.seek(0)
    if head != b"%PDF-" or not uploaded.name.lower().endswith(".pdf"):
        raise ValidationError({"file": _("Only PDF documents can be attached.")})
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    document = AgreementDocument(
        agreement=agreement,
        title=(title or uploaded.name)[:200],
        size=uploaded.size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )
    with transaction.atomic():
        document.file.save(uploaded.name, uploaded, save=False)
        try:
            document.save()
        except Exception:
            document.file.delete(save=False)
            raise
    return document
