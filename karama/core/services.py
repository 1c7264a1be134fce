"""Operations that change organizations, facilities and users' own preferences."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from karama.core.access import require_manage, scope_of
from karama.core.models import ApiToken, Facility, Organization, Region, User

ORGANIZATION_FIELDS = (
    "names",
    "original_language",
    "kind",
    "country",
    "region",
    "website",
    "email",
    "phone",
    "address",
)
FACILITY_FIELDS = ("names", "original_language", "kind", "country", "region", "operator")


def _unique_code(model, code: str, exclude_pk: int | None = None) -> str:
    code = (code or "").strip().lower()
    if not code:
        raise ValidationError({"code": _("Give a code.")})
    clash = model.objects.filter(code=code)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"code": _("The code %(code)s is already taken.") % {"code": code}})
    return code


def _save(instance) -> None:
    instance.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError({"code": _("The code %(code)s is already taken.") % {"code": instance.code}}) from None


def register_organization(*, by: User, code: str, administration: Organization | None = None, **fields) -> Organization:
    """Add an organization to an administration's registry (an administration holds itself)."""
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise ValueError(f"register_organization cannot set {sorted(unknown)}")
    is_administration = fields.get("kind") == Organization.Kind.PRISON_ADMINISTRATION
    if is_administration:
        if scope_of(by).role != "operator":
            raise ValidationError({"kind": _("Only the platform operator can add a prison administration.")})
        administration = None
    else:
        administration = administration or by.administration
        if administration is None:
            raise ValidationError(
                {"administration": _("Choose the administration whose registry holds this organization.")}
            )
        require_manage(by, administration.pk)
    organization = Organization(code=_unique_code(Organization, code), administration=administration, **fields)
    _save(organization)
    return organization


def update_organization(*, organization: Organization, by: User, **fields) -> Organization:
    require_manage(by, organization.administration_id_for_scoping)
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise ValueError(f"update_organization cannot set {sorted(unknown)}")
    if fields.get("kind", organization.kind) != organization.kind and (
        organization.is_administration or fields["kind"] == Organization.Kind.PRISON_ADMINISTRATION
    ):
        raise ValidationError({"kind": _("An administration stays an administration.")})
    for field, value in fields.items():
        setattr(organization, field, value)
    _save(organization)
    return organization


def register_facility(*, by: User, code: str, administration: Organization, **fields) -> Facility:
    require_manage(by, administration.pk)
    unknown = set(fields) - set(FACILITY_FIELDS)
    if unknown:
        raise ValueError(f"register_facility cannot set {sorted(unknown)}")
    facility = Facility(code=_unique_code(Facility, code), administration=administration, **fields)
    _save(facility)
    return facility


def update_facility(*, facility: Facility, by: User, **fields) -> Facility:
    require_manage(by, facility.administration_id)
    unknown = set(fields) - set(FACILITY_FIELDS)
    if unknown:
        raise ValueError(f"update_facility cannot set {sorted(unknown)}")
    for field, value in fields.items():
        setattr(facility, field, value)
    _save(facility)
    return facility


def set_preferences(*, user: User, language: str, calendar: str, digits: str) -> User:
    user.language, user.calendar, user.digits = language, calendar, digits
    user.full_clean(validate_unique=False, validate_constraints=False, exclude=["password"])
    user.save(update_fields=["language", "calendar", "digits"])
    return user


def issue_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    if not (name or "").strip():
        raise ValidationError({"name": _("Name the token after the system that will use it.")})
    return ApiToken.issue(user=user, name=name.strip())


def revoke_api_token(*, user: User, prefix: str) -> None:
    from django.utils import timezone

    ApiToken.objects.filter(user=user, prefix=prefix, revoked_at__isnull=True).update(revoked_at=timezone.now())


def ensure_region(*, code: str, country: str, names: dict, original_language: str = "en") -> Region:
    region, _created = Region.objects.get_or_create(
        code=code, defaults={"country": country, "names": names, "original_language": original_language}
    )
    return region
