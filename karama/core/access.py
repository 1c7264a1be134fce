"""Who may see and change what: the one decision every app's selectors build on.

A user's role and their administration, facility or organization decide everything.
Selectors in each app turn these answers into querysets; views and API endpoints never
decide visibility themselves.
"""

from dataclasses import dataclass

from django.db.models import Q

from karama.core.models import Role, User


@dataclass(frozen=True)
class Scope:
    """What one user's role reaches, computed once per request."""

    role: str | None
    administration_id: int | None
    facility_id: int | None
    organization_id: int | None

    @property
    def everywhere(self) -> bool:
        """Reads every administration: the platform operator, and an auditor bound to none."""
        return self.role == Role.OPERATOR or (self.role == Role.AUDITOR and self.administration_id is None)

    @property
    def reads_administration(self) -> bool:
        """Reads the records of one whole administration (agreements, organizations, facilities)."""
        return self.role in {Role.NATIONAL_ADMIN, Role.FACILITY_STAFF, Role.AUDITOR} and bool(self.administration_id)

    @property
    def is_partner(self) -> bool:
        return self.role == Role.PARTNER_STAFF and bool(self.organization_id)

    @property
    def sees_nothing_internal(self) -> bool:
        """Donors, researchers and anonymous visitors see no internal record at all."""
        return not (self.everywhere or self.reads_administration or self.is_partner)

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    def administration_filter(self, field: str = "administration_id") -> Q | None:
        """A filter keeping the rows of the administration this user reads; None means every row."""
        if self.everywhere:
            return None
        if self.reads_administration:
            return Q(**{field: self.administration_id})
        return Q(pk__in=[])

    def can_manage(self, administration_id: int | None) -> bool:
        """Create and change records of an administration: the operator anywhere, its national administrators."""
        if self.role == Role.OPERATOR:
            return True
        return (
            self.role == Role.NATIONAL_ADMIN
            and administration_id is not None
            and (administration_id == self.administration_id)
        )

    @property
    def manages_something(self) -> bool:
        return self.role in {Role.OPERATOR, Role.NATIONAL_ADMIN}

    def manageable_administration_ids(self) -> list[int] | None:
        """Administrations this user may create records in; None means all of them."""
        if self.role == Role.OPERATOR:
            return None
        if self.role == Role.NATIONAL_ADMIN and self.administration_id:
            return [self.administration_id]
        return []


NOBODY = Scope(role=None, administration_id=None, facility_id=None, organization_id=None)


def scope_of(user: User | None) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_karama_scope", None)
    if cached is not None:
        return cached
    scope = Scope(
        role=user.role,
        administration_id=user.administration_id,
        facility_id=user.facility_id if user.role == Role.FACILITY_STAFF else None,
        organization_id=user.organization_id if user.role == Role.PARTNER_STAFF else None,
    )
    user._karama_scope = scope
    return scope


def require_manage(user: User, administration_id: int | None) -> None:
    """Services call this before changing an administration's records; views have already 404ed outsiders."""
    from django.core.exceptions import PermissionDenied

    if not scope_of(user).can_manage(administration_id):
        raise PermissionDenied
