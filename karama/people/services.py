"""Operations that change a person's record. Each checks the actor's right, runs in one transaction
and is written to the change history in it; status changes only through admit, transfer, release,
re-admission and case closure."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from karama.core.access import scope_of
from karama.core.crypto import decrypt, encrypt, lookup_hash, normalize_identifier
from karama.core.models import Facility, Organization, User
from karama.core.selectors import organizations_visible_to
from karama.people.catalogues import NEEDS, NO_NEED, OTHER, NeedDomain
from karama.people.models import (
    AccessAction,
    AccessLog,
    AdmissionKind,
    Assessment,
    CaseNote,
    Consent,
    CustodyEpisode,
    DomainRating,
    Household,
    HouseholdMember,
    NeedStatus,
    NoteVisibility,
    Person,
    PersonNeed,
    PersonSkill,
    PersonStatus,
    PlanAction,
    PlanReview,
    RecommendedPath,
    ReintegrationPlan,
    ReleaseReason,
    ReleaseTask,
    ReleaseTaskKind,
    Side,
    StatusChange,
)
from karama.people.planning import review_schedule
from karama.people.selectors import can_manage_person, is_visible

PERSON_FIELDS = (
    "given_name",
    "father_name",
    "family_name",
    "latin_given_name",
    "latin_family_name",
    "sex",
    "birth_date",
    "nationality",
    "education_level",
    "literacy",
    "languages",
    "free_skills",
    "vocational_orientation",
    "source_reference",
)


def _require_person_manager(by: User, person: Person) -> None:
    if not can_manage_person(by, person):
        raise PermissionDenied


def _require_facility_manager(by: User, facility: Facility) -> None:
    scope = scope_of(by)
    allowed = (
        scope.role == "operator"
        or (scope.role == "national_admin" and scope.administration_id == facility.administration_id)
        or (scope.role == "facility_staff" and scope.facility_id == facility.pk)
    )
    if not allowed:
        raise PermissionDenied


def _side_of(by: User) -> str:
    return Side.PARTNER if scope_of(by).is_partner else Side.FACILITY


def _clean(instance, exclude: list[str] | None = None) -> None:
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _check_national_id(administration_id: int, national_id: str, exclude_pk: int | None = None) -> tuple[str, str]:
    normalized = normalize_identifier(national_id)
    if not normalized:
        return "", ""
    if len(normalized) < 5 or len(normalized) > 30:
        raise ValidationError({"national_id": _("A national ID has between 5 and 30 letters or digits.")})
    digest = lookup_hash(normalized)
    clash = Person.objects.filter(administration_id=administration_id, national_id_hash=digest)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"national_id": _("Another person in this administration has this national ID.")})
    return encrypt(normalized), digest


def _record_status(person: Person, status: str, on: datetime.date, by: User | None, reason: str = "") -> None:
    person.status = status
    person.save(update_fields=["status", "facility", "updated_at"])
    StatusChange.objects.create(person=person, status=status, effective_on=on, reason=reason, recorded_by=by)


def _check_dates(admitted_on, expected_release_on) -> None:
    if expected_release_on and admitted_on and expected_release_on < admitted_on:
        raise ValidationError({"expected_release_on": _("The expected release cannot be before the admission.")})
    if admitted_on and admitted_on > timezone.localdate():
        raise ValidationError({"admitted_on": _("An admission cannot be in the future.")})


def register_person(
    *,
    by: User,
    facility: Facility,
    admitted_on: datetime.date,
    case_category: str,
    expected_release_on: datetime.date | None = None,
    national_id: str = "",
    skills: Iterable[str] = (),
    **fields,
) -> Person:
    """Enter a person in the registry with their first custody episode in `facility`."""
    _require_facility_manager(by, facility)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"register_person cannot set {sorted(unknown)}")
    _check_dates(admitted_on, expected_release_on)
    encrypted, digest = _check_national_id(facility.administration_id, national_id)
    person = Person(
        administration_id=facility.administration_id,
        facility=facility,
        national_id_encrypted=encrypted,
        national_id_hash=digest,
        **fields,
    )
    _clean(person)
    episode = CustodyEpisode(
        person=person,
        facility=facility,
        admitted_on=admitted_on,
        expected_release_on=expected_release_on,
        case_category=case_category,
        admission_kind=AdmissionKind.ADMISSION,
    )
    _clean(episode, exclude=["person"])
    try:
        with transaction.atomic():
            person.save()
            episode.person = person
            episode.save()
            _set_skills(person, skills)
            StatusChange.objects.create(
                person=person,
                status=PersonStatus.IN_CUSTODY,
                effective_on=admitted_on,
                reason="admission",
                recorded_by=by,
            )
    except IntegrityError:
        raise ValidationError(_("This person is already in the registry (same national ID or reference).")) from None
    return person


def update_person(*, person: Person, by: User, skills: Iterable[str] | None = None, **fields) -> Person:
    _require_person_manager(by, person)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"update_person cannot set {sorted(unknown)}")
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        for field, value in fields.items():
            setattr(locked, field, value)
        _clean(locked)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise ValidationError({"source_reference": _("Another person has this reference.")}) from None
        if skills is not None:
            _set_skills(locked, skills)
    return locked


def _set_skills(person: Person, skills: Iterable[str]) -> None:
    from karama.people.catalogues import OCCUPATION_GROUPS

    wanted = set(skills or [])
    unknown = [code for code in wanted if code not in OCCUPATION_GROUPS or len(code) != 2]
    if unknown:
        raise ValidationError({"skills": _("Unknown occupation group: %(code)s.") % {"code": ", ".join(unknown)}})
    existing = set(person.skills.values_list("occupation", flat=True))
    for skill in person.skills.filter(occupation__in=existing - wanted):
        skill.delete()
    for code in sorted(wanted - existing):
        PersonSkill.objects.create(person=person, occupation=code)


def set_national_id(*, person: Person, by: User, national_id: str) -> Person:
    _require_person_manager(by, person)
    encrypted, digest = _check_national_id(person.administration_id, national_id, exclude_pk=person.pk)
    with transaction.atomic():
        person.national_id_encrypted, person.national_id_hash = encrypted, digest
        person.save(update_fields=["national_id_encrypted", "national_id_hash", "updated_at"])
    return person


def reveal_national_id(*, person: Person, by: User, address: str | None = None) -> str:
    """Show the national ID in clear: an explicit action, always logged. Partner staff never may."""
    # Auditors read the masked value; revealing is for the staff who act on the record.
    if not is_visible(by, person) or "national_id" not in _sections(by, person) or not can_manage_person(by, person):
        raise PermissionDenied
    log_access(user=by, person=person, action=AccessAction.REVEAL_NATIONAL_ID, address=address)
    return decrypt(person.national_id_encrypted)


def _sections(by: User, person: Person) -> set[str]:
    from karama.people.selectors import visible_sections

    return visible_sections(by, person)


def admit(
    *,
    person: Person,
    by: User,
    facility: Facility,
    admitted_on: datetime.date,
    case_category: str,
    expected_release_on: datetime.date | None = None,
) -> CustodyEpisode:
    """A new admission of someone already in the registry: after a release it is a re-admission."""
    _require_facility_manager(by, facility)
    if facility.administration_id != person.administration_id:
        raise ValidationError({"facility": _("The facility belongs to another administration.")})
    _check_dates(admitted_on, expected_release_on)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        last = locked.episodes.order_by("-admitted_on", "-pk").first()
        if last and last.released_on is None:
            raise ValidationError(_("This person is already in custody; record a transfer instead."))
        if last and admitted_on < last.released_on:
            raise ValidationError({"admitted_on": _("The admission cannot be before the last release.")})
        episode = CustodyEpisode(
            person=locked,
            facility=facility,
            admitted_on=admitted_on,
            expected_release_on=expected_release_on,
            case_category=case_category,
            admission_kind=AdmissionKind.READMISSION if last else AdmissionKind.ADMISSION,
        )
        _clean(episode)
        episode.save()
        locked.facility = facility
        _record_status(locked, PersonStatus.IN_CUSTODY, admitted_on, by, episode.admission_kind)
    return episode


def transfer(*, person: Person, by: User, to_facility: Facility, on: datetime.date) -> CustodyEpisode:
    """Move a person to another facility; the history keeps both stays."""
    _require_person_manager(by, person)
    if to_facility.administration_id != person.administration_id:
        raise ValidationError({"to_facility": _("The facility belongs to another administration.")})
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        current = locked.episodes.filter(released_on__isnull=True).first()
        if current is None:
            raise ValidationError(_("This person is not in custody."))
        if current.facility_id == to_facility.pk:
            raise ValidationError({"to_facility": _("The person is already in this facility.")})
        if on < current.admitted_on:
            raise ValidationError({"on": _("The transfer cannot be before the admission.")})
        if on > timezone.localdate():
            raise ValidationError({"on": _("A transfer cannot be recorded in the future.")})
        current.released_on, current.release_reason = on, ReleaseReason.TRANSFER_OUT
        current.save(update_fields=["released_on", "release_reason"])
        episode = CustodyEpisode.objects.create(
            person=locked,
            facility=to_facility,
            admitted_on=on,
            expected_release_on=current.expected_release_on,
            case_category=current.case_category,
            admission_kind=AdmissionKind.TRANSFER_IN,
        )
        locked.facility = to_facility
        locked.save(update_fields=["facility", "updated_at"])
    return episode


def release(*, person: Person, by: User, on: datetime.date, reason: str) -> CustodyEpisode:
    _require_person_manager(by, person)
    if reason not in ReleaseReason.values or reason == ReleaseReason.TRANSFER_OUT:
        raise ValidationError({"reason": _("Choose why the person was released.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("A release cannot be recorded in the future.")})
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        current = locked.episodes.filter(released_on__isnull=True).first()
        if current is None:
            raise ValidationError(_("This person is not in custody."))
        if on < current.admitted_on:
            raise ValidationError({"on": _("The release cannot be before the admission.")})
        current.released_on, current.release_reason = on, reason
        current.save(update_fields=["released_on", "release_reason"])
        status = PersonStatus.CLOSED if reason == ReleaseReason.DEATH else PersonStatus.RELEASED
        _record_status(locked, status, on, by, reason)
    return current


def start_aftercare(*, person: Person, by: User, on: datetime.date) -> Person:
    _require_person_manager(by, person)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.status != PersonStatus.RELEASED:
            raise ValidationError(_("Aftercare starts after release."))
        _record_status(locked, PersonStatus.IN_AFTERCARE, on, by, "aftercare")
    return locked


def close_case(*, person: Person, by: User, on: datetime.date, reason: str = "") -> Person:
    _require_person_manager(by, person)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.status == PersonStatus.IN_CUSTODY:
            raise ValidationError(_("A case is closed after release, not during custody."))
        if locked.status == PersonStatus.CLOSED:
            raise ValidationError(_("This case is already closed."))
        _record_status(locked, PersonStatus.CLOSED, on, by, reason[:40])
    return locked


def set_expected_release(*, episode: CustodyEpisode, by: User, expected_release_on: datetime.date | None) -> None:
    _require_person_manager(by, episode.person)
    if not episode.is_open:
        raise ValidationError(_("Only the current custody episode has an expected release."))
    _check_dates(episode.admitted_on, expected_release_on)
    with transaction.atomic():
        episode.expected_release_on = expected_release_on
        episode.save(update_fields=["expected_release_on"])
        plan = ReintegrationPlan.objects.filter(person_id=episode.person_id).first()
        if plan:
            _schedule_reviews(plan)


# Households ------------------------------------------------------------------------------------


def save_household(*, person: Person, by: User, contact_phone: str | None = None, **fields) -> Household:
    _require_person_manager(by, person)
    allowed = {"region", "contact_name", "contact_relation", "supporting_association", "notes"}
    if set(fields) - allowed:
        raise ValueError(f"save_household cannot set {sorted(set(fields) - allowed)}")
    association = fields.get("supporting_association")
    if association is not None and (
        association.kind != Organization.Kind.ASSOCIATION
        or not organizations_visible_to(by).filter(pk=association.pk).exists()
    ):
        raise ValidationError({"supporting_association": _("Choose a support association.")})
    with transaction.atomic():
        household, _created = Household.objects.get_or_create(person=person)
        for field, value in fields.items():
            setattr(household, field, value)
        if contact_phone is not None:
            household.contact_phone_encrypted = encrypt(contact_phone.strip())
        _clean(household)
        household.save()
    return household


def add_household_member(*, person: Person, by: User, **fields) -> HouseholdMember:
    """Add a family member, creating the household on first use, in one transaction."""
    _require_person_manager(by, person)
    member = HouseholdMember(**fields)
    this_year = timezone.localdate().year
    if member.birth_year and not (this_year - 120 <= member.birth_year <= this_year):
        raise ValidationError(
            {
                "birth_year": _("Enter a birth year between %(low)s and %(high)s.")
                % {"low": this_year - 120, "high": this_year}
            }
        )
    _clean(member, exclude=["household"])
    with transaction.atomic():
        member.household, _created = Household.objects.get_or_create(person=person)
        member.save()
    return member


def remove_household_member(*, member: HouseholdMember, by: User) -> None:
    _require_person_manager(by, member.household.person)
    with transaction.atomic():
        member.delete()


# Consents -------------------------------------------------------------------------------------


def record_consent(
    *,
    person: Person,
    by: User,
    organization: Organization,
    purpose: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    agreement=None,
    signed_form=None,
) -> Consent:
    _require_person_manager(by, person)
    if organization.kind == Organization.Kind.PRISON_ADMINISTRATION:
        raise ValidationError({"organization": _("Consent is given to a partner organization.")})
    if agreement is not None:
        if agreement.administration_id != person.administration_id:
            raise ValidationError({"agreement": _("Choose an agreement of the person's administration.")})
        if not agreement.parties.filter(organization=organization).exists():
            raise ValidationError({"agreement": _("The organization is not a party to this agreement.")})
    if valid_until and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end date cannot be before the start date.")})
    if signed_form is not None:
        _check_pdf(signed_form)
    consent = Consent(
        person=person,
        organization=organization,
        purpose=purpose,
        agreement=agreement,
        valid_from=valid_from,
        valid_until=valid_until,
        recorded_by=by,
    )
    _clean(consent, exclude=["signed_form"])
    with transaction.atomic():
        if signed_form is not None:
            consent.signed_form.save(signed_form.name, signed_form, save=False)
        consent.save()
    return consent


def _check_pdf(uploaded) -> None:
    from django.conf import settings

    if uploaded.size > settings.KARAMA_DOCUMENT_MAX_BYTES:
        raise ValidationError({"signed_form": _("The file is too large.")})
    uploaded.seek(0)
    head = uploaded.read(5)
    uploaded.seek(0)
    if head != b"%PDF-":
        raise ValidationError({"signed_form": _("Only PDF documents can be attached.")})


def revoke_consent(*, consent: Consent, by: User) -> Consent:
    """Revocation takes effect at once: the next query no longer finds the person for that organization."""
    _require_person_manager(by, consent.person)
    if consent.revoked_at:
        raise ValidationError(_("This consent is already revoked."))
    with transaction.atomic():
        consent.revoked_at, consent.revoked_by = timezone.now(), by
        consent.save(update_fields=["revoked_at", "revoked_by"])
    return consent


# Assessments and needs --------------------------------------------------------------------------


def record_assessment(
    *,
    person: Person,
    by: User,
    assessed_on: datetime.date,
    ratings: dict[str, tuple[str, str]],
    needs: Iterable[tuple[str, str]] = (),
    recommended_paths: Iterable[str] = (),
    summary: str = "",
) -> Assessment:
    """ratings: {domain: (level, notes)}; needs: [(domain, need code)] from the catalogue."""
    _require_person_manager(by, person)
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("An assessment cannot be dated in the future.")})
    unknown_domains = set(ratings) - set(NeedDomain.values)
    if unknown_domains:
        raise ValidationError({"ratings": _("Unknown domain: %(domain)s.") % {"domain": ", ".join(unknown_domains)}})
    needs = list(dict.fromkeys(needs))
    for domain, need in needs:
        if domain not in NeedDomain.values or need not in {*NEEDS.get(domain, {}), OTHER, NO_NEED}:
            raise ValidationError({"needs": _("Unknown need: %(need)s.") % {"need": f"{domain}:{need}"}})
    paths = list(dict.fromkeys(recommended_paths))
    if set(paths) - set(RecommendedPath.values):
        raise ValidationError({"recommended_paths": _("Unknown recommended path.")})
    with transaction.atomic():
        assessment = Assessment.objects.create(
            person=person, assessed_on=assessed_on, assessed_by=by, recommended_paths=paths, summary=summary
        )
        for domain, (level, notes) in ratings.items():
            rating = DomainRating(assessment=assessment, domain=domain, level=level, notes=notes or "")
            _clean(rating)
            rating.save()
        existing = {(n.domain, n.need) for n in person.needs.exclude(status__in=["met", "no_longer_relevant"])}
        for domain, need in needs:
            if need == NO_NEED or (domain, need) in existing:
                continue
            PersonNeed.objects.create(
                person=person, assessment=assessment, domain=domain, need=need, updated_by=by, updated_side=_side_of(by)
            )
    return assessment


def update_need_status(*, need: PersonNeed, by: User, status: str, note: str = "") -> PersonNeed:
    """Facility staff, or a partner the person consented to share with, moves a need along."""
    if not is_visible(by, need.person):
        raise PermissionDenied
    if scope_of(by).is_partner:
        if "assessment" not in _sections(by, need.person):
            raise PermissionDenied
    elif not can_manage_person(by, need.person):
        raise PermissionDenied
    if status not in NeedStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    with transaction.atomic():
        need.status, need.note, need.updated_by, need.updated_side = status, note[:300], by, _side_of(by)
        need.save()
    return need


# Plans ----------------------------------------------------------------------------------------


def create_plan(*, person: Person, by: User, assessment: Assessment | None = None) -> ReintegrationPlan:
    """A plan built from the latest assessment, with the four practical release tasks and its review deadlines."""
    _require_person_manager(by, person)
    if ReintegrationPlan.objects.filter(person=person).exists():
        raise ValidationError(_("This person already has a reintegration plan."))
    assessment = assessment or person.assessments.order_by("-assessed_on", "-pk").first()
    with transaction.atomic():
        plan = ReintegrationPlan.objects.create(person=person, assessment=assessment, created_by=by)
        for kind in ReleaseTaskKind.values:
            ReleaseTask.objects.create(plan=plan, kind=kind)
        _schedule_reviews(plan)
    return plan


def _schedule_reviews(plan: ReintegrationPlan) -> None:
    """(Re)compute the open review deadlines; completed and exempted reviews are kept as they are."""
    episodes = plan.person.episodes.order_by("admitted_on", "pk")
    first_in_custody = episodes.exclude(admission_kind=AdmissionKind.TRANSFER_IN).last()
    current = episodes.filter(released_on__isnull=True).first()
    if first_in_custody is None:
        return
    plan.reviews.filter(completed_on__isnull=True, exemption="").delete()
    kept = set(plan.reviews.values_list("kind", "due_on"))
    expected = current.expected_release_on if current else None
    for kind, due_on in review_schedule(first_in_custody.admitted_on, expected):
        if (kind, due_on) not in kept:
            PlanReview.objects.create(plan=plan, kind=kind, due_on=due_on)


def add_plan_action(
    *,
    plan: ReintegrationPlan,
    by: User,
    goal: str,
    owner: Organization,
    action: str = "",
    domain: str = "",
    due_on: datetime.date | None = None,
) -> PlanAction:
    _require_person_manager(by, plan.person)
    if not organizations_visible_to(by).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("Choose an organization you work with.")})
    item = PlanAction(plan=plan, goal=(goal or "").strip(), action=action, domain=domain, owner=owner, due_on=due_on)
    _clean(item)
    with transaction.atomic():
        item.save()
    return item


def update_plan_action(*, item: PlanAction, by: User, status: str) -> PlanAction:
    """Staff, or the partner that owns the action, records its progress."""
    scope = scope_of(by)
    owns = scope.is_partner and item.owner_id == scope.organization_id and is_visible(by, item.plan.person)
    if not (owns or can_manage_person(by, item.plan.person)):
        raise PermissionDenied
    if status not in dict(PlanAction._meta.get_field("status").choices):
        raise ValidationError({"status": _("Unknown status.")})
    with transaction.atomic():
        item.status = status
        item.save(update_fields=["status"])
    return item


def update_release_task(*, task: ReleaseTask, by: User, status: str, note: str = "") -> ReleaseTask:
    _require_person_manager(by, task.plan.person)
    task.status, task.note = status, note
    _clean(task)
    with transaction.atomic():
        task.save()
    return task


def complete_review(*, review: PlanReview, by: User, on: datetime.date, note: str = "") -> PlanReview:
    _require_person_manager(by, review.plan.person)
    if review.completed_on or review.exemption:
        raise ValidationError(_("This review is already recorded."))
    if on > timezone.localdate():
        raise ValidationError({"completed_on": _("A review cannot be completed in the future.")})
    review.completed_on, review.note = on, note
    _clean(review)
    with transaction.atomic():
        review.save(update_fields=["completed_on", "note"])
    return review


def exempt_review(*, review: PlanReview, by: User, exemption: str, note: str = "") -> PlanReview:
    """A deadline missed for a transfer, a hospital stay or security reasons is not counted as a failure."""
    _require_person_manager(by, review.plan.person)
    if review.completed_on or review.exemption:
        raise ValidationError(_("This review is already recorded."))
    review.exemption, review.note = exemption, note
    _clean(review)
    with transaction.atomic():
        review.save(update_fields=["exemption", "note"])
    return review


# Notes and the access log -----------------------------------------------------------------------


def add_note(*, person: Person, by: User, text: str, visibility: str = NoteVisibility.INTERNAL) -> CaseNote:
    """Staff write internal or shared notes; a consenting partner writes notes shared with the administration."""
    scope = scope_of(by)
    if scope.is_partner:
        if not is_visible(by, person):
            raise PermissionDenied
        visibility = NoteVisibility.SHARED
    else:
        _require_person_manager(by, person)
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the note.")})
    note = CaseNote(
        person=person,
        author=by,
        text=text.strip(),
        visibility=visibility,
        author_organization_id=scope.organization_id if scope.is_partner else scope.administration_id,
    )
    _clean(note)
    with transaction.atomic():
        note.save()
    return note


def log_access(
    *,
    user: User,
    person: Person | None,
    action: str,
    detail: str = "",
    address: str | None = None,
    administration_id: int | None = None,
) -> None:
    """One INSERT: who read or revealed or moved which record, when and from where."""
    AccessLog.objects.create(
        user=user,
        person=person,
        administration_id=administration_id or person.administration_id,
        action=action,
        detail=detail[:200],
        address=address,
    )


# The photo -----------------------------------------------------------------------------------------------------

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_SIDE = 800


def set_photo(*, person: Person, by: User, upload) -> Person:
    """Store a person's photo: checked to be a JPEG, PNG or WebP image, turned upright, at most 800 pixels a side,
    re-encoded as JPEG so that nothing of the original file (camera, place, date in its EXIF) is kept, under a
    random name that says nothing of whose it is. The previous photo's file goes once the change is committed."""
    import io
    import secrets

    from django.core.files.base import ContentFile
    from PIL import Image, ImageOps, UnidentifiedImageError

    _require_person_manager(by, person)
    not_a_photo = ValidationError({"photo": _("This file is not a photo: send a JPEG, PNG or WebP image.")})
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": _("The photo is too large (at most 5 MB).")})
    try:
        with Image.open(upload) as probe:
            kind = probe.format
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_a_photo from None
    if kind not in PHOTO_FORMATS:
        raise not_a_photo
    upright.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
    encoded = io.BytesIO()
    upright.save(encoded, "JPEG", quality=85)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        previous = locked.photo.name
        locked.photo.save(f"{secrets.token_hex(16)}.jpg", ContentFile(encoded.getvalue()), save=False)
        locked.save()
        if previous:
            storage = locked.photo.storage
            transaction.on_commit(lambda: storage.delete(previous))
    return locked


def remove_photo(*, person: Person, by: User) -> Person:
    _require_person_manager(by, person)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        previous = locked.photo.name
        if previous:
            storage = locked.photo.storage
            locked.photo = ""
            locked.save()
            transaction.on_commit(lambda: storage.delete(previous))
    return locked
