"""The rules of agreements: bad input gets a clear error and writes nothing; budgets never go negative."""

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from karama.agreements import services
from karama.agreements.models import Agreement, AgreementDocument, Budget, BudgetMovement


def _counts():
    return (
        Agreement.objects.count(),
        Budget.objects.count(),
        BudgetMovement.objects.count(),
        AgreementDocument.objects.count(),
        LogEntry.objects.count(),
    )


@pytest.fixture
def budget(world):
    return services.add_budget(agreement=world.agreement_ma, by=world.admin_ma, amount="1000000.00", currency="MAD")


def test_end_before_start_is_refused(world):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        services.create_agreement(
            by=world.admin_sa,
            administration=world.sa,
            kind="mou",
            reference="SA-X",
            names={"en": "x"},
            starts_on=datetime.date(2024, 5, 1),
            ends_on=datetime.date(2024, 4, 1),
        )
    assert "ends_on" in error.value.error_dict
    assert _counts() == before


def test_duplicate_reference_in_the_same_administration_is_refused(world):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        services.create_agreement(
            by=world.admin_sa, administration=world.sa, kind="mou", reference="sa-2019-01", names={"en": "dup"}
        )
    assert "reference" in error.value.error_dict
    assert _counts() == before


def test_the_same_reference_may_exist_in_another_administration(world):
    agreement = services.create_agreement(
        by=world.admin_ma, administration=world.ma, kind="mou", reference="SA-2019-01", names={"fr": "autre"}
    )
    assert agreement.pk


def test_agreement_without_any_name_is_refused(world):
    with pytest.raises(ValidationError):
        services.create_agreement(by=world.admin_sa, administration=world.sa, kind="mou", reference="N", names={})
    assert not Agreement.objects.filter(reference="N").exists()


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["active"], True),
        (["expired"], False),
        (["terminated"], False),
        (["active", "expired"], True),
        (["active", "terminated"], True),
        (["active", "draft"], False),
        (["active", "expired", "active"], False),
        (["active", "terminated", "expired"], False),
    ],
)
def test_only_the_allowed_status_changes_happen(world, path, allowed):
    agreement = world.mou_sa
    try:
        for status in path:
            agreement = services.change_agreement_status(agreement=agreement, status=status, by=world.admin_sa)
    except ValidationError as error:
        assert not allowed
        assert "status" in error.error_dict
        agreement.refresh_from_db()
        assert agreement.status == (path[-2] if len(path) > 1 else "draft")
    else:
        assert allowed
        assert agreement.status == path[-1]


@pytest.mark.parametrize(
    ("amount", "currency", "field"),
    [
        ("-5", "MAD", "amount"),
        ("0", "MAD", "amount"),
        ("abc", "MAD", "amount"),
        ("12.345", "MAD", "amount"),  # dirham has two decimal places
        ("1.5", "IRR", "amount"),  # rial has none
        ("NaN", "MAD", "amount"),
        ("100", "XYZ", "currency"),
        ("100", "mad", "currency"),
        (100.5, "MAD", "amount"),  # a float cannot carry money
    ],
)
def test_bad_budget_input_is_refused_and_writes_nothing(world, amount, currency, field):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        services.add_budget(agreement=world.agreement_ma, by=world.admin_ma, amount=amount, currency=currency)
    assert field in error.value.error_dict
    assert _counts() == before


def test_jordanian_dinar_keeps_three_decimals(world):
    budget = services.add_budget(agreement=world.mou_sa, by=world.admin_sa, amount="1250.125", currency="JOD")
    budget.refresh_from_db()
    assert budget.amount == Decimal("1250.125")


def test_remaining_budget_is_derived_from_movements(world, budget):
    services.record_budget_movement(budget=budget, by=world.admin_ma, kind="allocation", amount="250000.00")
    services.record_budget_movement(budget=budget, by=world.admin_ma, kind="release", amount="50000")
    services.record_budget_movement(budget=budget, by=world.admin_ma, kind="adjustment", amount="-100000")
    totals = budget.totals()
    assert totals.total == Decimal("900000.00")
    assert totals.allocated == Decimal("200000.00")
    assert totals.remaining == Decimal("700000.00")


def test_an_allocation_past_the_remaining_budget_is_refused(world, budget):
    services.record_budget_movement(budget=budget, by=world.admin_ma, kind="allocation", amount="999999.99")
    before = _counts()
    with pytest.raises(ValidationError) as error:
        services.record_budget_movement(budget=budget, by=world.admin_ma, kind="allocation", amount="0.02")
    assert "amount" in error.value.error_dict
    assert "0.01" in error.value.error_dict["amount"][0].messages[0] or "0,01" in str(error.value)
    assert _counts() == before


def test_a_release_larger_than_what_is_allocated_is_refused(world, budget):
    with pytest.raises(ValidationError):
        services.record_budget_movement(budget=budget, by=world.admin_ma, kind="release", amount="1")
    assert not budget.movements.exists()


def test_a_negative_adjustment_below_allocations_is_refused(world, budget):
    services.record_budget_movement(budget=budget, by=world.admin_ma, kind="allocation", amount="600000")
    with pytest.raises(ValidationError):
        services.record_budget_movement(budget=budget, by=world.admin_ma, kind="adjustment", amount="-500000")
    assert budget.movements.count() == 1


def test_a_negative_allocation_is_refused(world, budget):
    with pytest.raises(ValidationError):
        services.record_budget_movement(budget=budget, by=world.admin_ma, kind="allocation", amount="-10")
    assert not budget.movements.exists()


def test_a_commitment_must_name_a_party_of_the_same_agreement(world):
    with pytest.raises(ValidationError) as error:
        services.add_commitment(
            agreement=world.mou_sa,
            by=world.admin_sa,
            description="x",
            party=world.party_foundation,
        )
    assert "party" in error.value.error_dict
    assert not world.mou_sa.commitments.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("contract.docx", b"PK\x03\x04 not a pdf"),
        ("contract.pdf", b"MZ\x90\x00 an executable named pdf"),
        ("contract.exe", b"%PDF-1.4 but the wrong name"),
    ],
)
def test_only_pdf_documents_are_attached(world, name, content, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    before = _counts()
    with pytest.raises(ValidationError) as error:
        services.attach_document(agreement=world.mou_sa, by=world.admin_sa, uploaded=SimpleUploadedFile(name, content))
    assert "file" in error.value.error_dict
    assert _counts() == before
    assert not any(tmp_path.rglob("*.pdf"))


def test_an_oversize_document_is_refused(world, tmp_path, settings):
    settings.KARAMA_DOCUMENT_MAX_BYTES = 100
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    with pytest.raises(ValidationError):
        services.attach_document(
            agreement=world.mou_sa, by=world.admin_sa, uploaded=SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 200)
        )
    assert not world.mou_sa.documents.exists()


def test_a_pdf_is_stored_under_a_random_name_with_its_digest(world, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    document = services.attach_document(
        agreement=world.mou_sa, by=world.admin_sa, uploaded=SimpleUploadedFile("MoU Naif.pdf", b"%PDF-1.7 x")
    )
    assert "Naif" not in document.file.name
    assert len(document.sha256) == 64
    assert document.title == "MoU Naif.pdf"


def test_delivered_quantity_is_zero_until_an_app_counts_it_and_then_sums_sources(world):
    from karama.agreements import progress

    commitment = services.add_commitment(
        agreement=world.mou_sa,
        by=world.admin_sa,
        description="Train inmates",
        party=world.party_university,
        target_quantity=100,
        unit="people_trained",
    )
    assert progress.progress_of([commitment])[commitment.pk].delivered == 0
    saved = dict(progress._counters)
    try:
        progress.register_delivery_counter("training", lambda ids: {commitment.pk: 60})
        progress.register_delivery_counter("staff", lambda ids: {commitment.pk: 3})
        result = progress.progress_of([commitment])[commitment.pk]
        assert (result.delivered, result.target, result.percent) == (63, 100, 63)
    finally:
        progress._counters.clear()
        progress._counters.update(saved)


def test_an_implementing_partner_draws_on_the_budget_only_for_a_record_of_an_app(world, budget):
    from django.core.exceptions import PermissionDenied

    services.change_agreement_status(agreement=world.agreement_ma, status="active", by=world.admin_ma)
    budget.refresh_from_db()
    movement = services.record_budget_movement(
        budget=budget, by=world.partner_foundation, kind="allocation", amount="1000", source="ventures:grant:1"
    )
    assert movement.created_by == world.partner_foundation
    for kind, source in (("allocation", ""), ("adjustment", "ventures:grant:1")):
        with pytest.raises(PermissionDenied):
            services.record_budget_movement(
                budget=budget, by=world.partner_foundation, kind=kind, amount="1000", source=source
            )
    with pytest.raises(PermissionDenied):
        services.record_budget_movement(
            budget=budget, by=world.partner_university, kind="allocation", amount="1", source="x:1"
        )
    assert budget.movements.count() == 1
