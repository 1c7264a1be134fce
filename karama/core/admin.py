"""Django's admin for the platform operator: organizations, facilities, regions, users.

People are deliberately absent: their records are read only through the scoped, logged pages and API.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from karama.core.models import ApiToken, Facility, Organization, OrganizationContact, Region, User


class ContactInline(admin.TabularInline):
    model = OrganizationContact
    extra = 1


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "country", "administration")
    list_filter = ("kind", "country")
    search_fields = ("code", "search_text")
    inlines = [ContactInline]


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "administration", "region")
    list_filter = ("kind", "country")
    search_fields = ("code", "search_text")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "country")
    list_filter = ("country",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "get_full_name", "role", "administration", "facility", "organization", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            "Karama",
            {"fields": ("role", "administration", "facility", "organization", "language", "calendar", "digits")},
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "secret_hash", "created_at", "last_used_at")
