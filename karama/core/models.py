"""Administrations, organizations, facilities, regions and the users who act in them."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karama.core.i18n import LANGUAGE_CODES, country_name, pick_name
from karama.core.text import search_document


def validate_country(code: str) -> None:
    if not code or len(code) != 2 or not code.isupper() or country_name(code) == code:
        raise ValidationError(_("Enter a two-letter ISO 3166 country code, such as SA or MA."), code="country")


def validate_names(value: dict) -> None:
    if not isinstance(value, dict) or not any(str(text).strip() for text in value.values()):
        raise ValidationError(_("Give the name in at least one language."), code="names")
    unknown = set(value) - set(LANGUAGE_CODES)
    if unknown:
        raise ValidationError(_("Names may be given only in Arabic, Persian, French or English."), code="names")


class NamedInLanguages(models.Model):
    """A record whose name is written in several languages; shown in the reader's language."""

    names = models.JSONField(_("names"), default=dict, validators=[validate_names])
    original_language = models.CharField(_("original language"), max_length=8, default="en")
    search_text = models.TextField(editable=False, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = search_document(*self.names.values(), *self.extra_search_texts())
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return pick_name(self.names, self.original_language)

    def extra_search_texts(self) -> list[str]:
        return []


class Region(NamedInLanguages):
    """A coarse region (province, governorate, ostan) used for routing and public summaries."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])

    class Meta:
        ordering = ["country", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Organization(NamedInLanguages):
    class Kind(models.TextChoices):
        PRISON_ADMINISTRATION = "prison_administration", _("Prison administration")
        FACILITY_OPERATOR = "facility_operator", _("Facility operator")
        UNIVERSITY = "university", _("University")
        GOVERNMENT_AGENCY = "government_agency", _("Government agency")
        COMPANY = "company", _("Company")
        ASSOCIATION = "association", _("Association or NGO")
        FOUNDATION = "foundation", _("Foundation")
        FAMILY_BUSINESS = "family_business", _("Family business")
        INDIVIDUAL = "individual", _("Individual")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    # The administration whose registry holds this organization; an administration holds itself.
    administration = models.ForeignKey(
        "self",
        verbose_name=_("administration"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registered_organizations",
        limit_choices_to={"kind": "prison_administration"},
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.SET_NULL, null=True, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="prison_administration") | Q(administration__isnull=True),
                name="organization_administration_holds_itself",
            ),
        ]

    @property
    def is_administration(self) -> bool:
        return self.kind == self.Kind.PRISON_ADMINISTRATION

    @property
    def administration_id_for_scoping(self) -> int | None:
        return self.pk if self.is_administration else self.administration_id

    def extra_search_texts(self) -> list[str]:
        return [self.code]

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id_for_scoping}


class OrganizationContact(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"administration": self.organization.administration_id_for_scoping}


class Facility(NamedInLanguages):
    class Kind(models.TextChoices):
        PRISON = "prison", _("Prison")
        REFORMATORY = "reformatory", _("Reformatory")
        CORRECTION_CENTRE = "correction_centre", _("Correction and rehabilitation centre")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    administration = models.ForeignKey(
        Organization,
        verbose_name=_("administration"),
        on_delete=models.PROTECT,
        related_name="facilities",
        limit_choices_to={"kind": "prison_administration"},
    )
    operator = models.ForeignKey(
        Organization,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operated_facilities",
        help_text=_("The organization that runs the facility, when not the administration itself."),
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])

    class Meta:
        ordering = ["code"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def extra_search_texts(self) -> list[str]:
        return [self.code]

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id}


class Role(models.TextChoices):
    OPERATOR = "operator", _("Platform operator")
    NATIONAL_ADMIN = "national_admin", _("National administrator")
    FACILITY_STAFF = "facility_staff", _("Facility staff")
    PARTNER_STAFF = "partner_staff", _("Partner staff")
    DONOR = "donor", _("Donor")
    RESEARCHER = "researcher", _("Researcher")
    AUDITOR = "auditor", _("Auditor")


class Calendar(models.TextChoices):
    GREGORIAN = "gregorian", _("Gregorian")
    HIJRI = "hijri", _("Hijri (Umm al-Qura)")
    JALALI = "jalali", _("Solar Hijri (Jalali)")


class Digits(models.TextChoices):
    LATIN = "latin", _("Latin (0123)")
    ARABIC = "arabic", _("Arabic-Indic (٠١٢٣)")
    PERSIAN = "persian", _("Persian (۰۱۲۳)")


class User(AbstractUser):
    """A person who signs in. The role and the administration, facility or organization decide what they see."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.DONOR)
    administration = models.ForeignKey(
        Organization,
        verbose_name=_("administration"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "prison_administration"},
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    calendar = models.CharField(_("calendar"), max_length=12, choices=Calendar.choices, default=Calendar.GREGORIAN)
    digits = models.CharField(_("digits"), max_length=12, choices=Digits.choices, default=Digits.LATIN)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="national_admin") | Q(administration__isnull=False),
                name="user_national_admin_has_administration",
            ),
            models.CheckConstraint(
                condition=~Q(role="facility_staff") | Q(facility__isnull=False, administration__isnull=False),
                name="user_facility_staff_has_facility",
            ),
            models.CheckConstraint(
                condition=~Q(role="partner_staff") | Q(organization__isnull=False),
                name="user_partner_staff_has_organization",
            ),
        ]

    def clean(self):
        super().clean()
        if self.role == Role.FACILITY_STAFF and self.facility_id:
            self.administration_id = self.facility.administration_id
        required = {
            Role.NATIONAL_ADMIN: ("administration", _("A national administrator belongs to an administration.")),
            Role.FACILITY_STAFF: ("facility", _("Facility staff belong to a facility.")),
            Role.PARTNER_STAFF: ("organization", _("Partner staff belong to an organization.")),
        }
        if self.role in required:
            field, message = required[self.role]
            if not getattr(self, f"{field}_id"):
                raise ValidationError({field: message})

    def save(self, *args, **kwargs):
        if self.role == Role.FACILITY_STAFF and self.facility_id and not self.administration_id:
            self.administration_id = Facility.objects.values_list("administration_id", flat=True).get(
                pk=self.facility_id
            )
        super().save(*args, **kwargs)

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id}


class ApiToken(models.Model):
    """A bearer token for systems calling the API. Only a hash of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple["ApiToken", str]:
        """Create a token and return it with the clear value, shown to the user once."""
        prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=prefix, secret_hash=cls.hash_secret(secret))
        return token, f"{prefix}.{secret}"

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        prefix, _sep, secret = (raw or "").partition(".")
        if not prefix or not secret:
            return None
        token = cls.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
        if token is None or not secrets.compare_digest(token.secret_hash, cls.hash_secret(secret)):
            return None
        if not token.user.is_active:
            return None
        cls.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user
