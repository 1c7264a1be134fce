"""Django's admin for agreements (for the platform operator; everyone else uses the scoped pages)."""

from django.contrib import admin

from karama.agreements.models import Agreement, Budget, BudgetMovement, Commitment, Objective, Party


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0


class ObjectiveInline(admin.TabularInline):
    model = Objective
    extra = 0


class CommitmentInline(admin.TabularInline):
    model = Commitment
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ("reference", "name", "kind", "status", "administration", "signed_on")
    list_filter = ("status", "kind", "administration")
    search_fields = ("reference", "search_text")
    inlines = [PartyInline, ObjectiveInline, CommitmentInline]


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("agreement", "label", "amount", "currency")
    # Movements are recorded through the service, which locks the budget and keeps it from going negative.
    readonly_fields = ("amount", "currency")


@admin.register(BudgetMovement)
class BudgetMovementAdmin(admin.ModelAdmin):
    list_display = ("budget", "kind", "amount", "occurred_on", "reference")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
