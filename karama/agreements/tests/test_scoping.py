"""Who sees which agreement, tried from every side through pages and API: outsiders get 404."""

import pytest

from karama.agreements.selectors import agreements_visible_to


def _ids(user):
    return set(agreements_visible_to(user).values_list("pk", flat=True))


def test_operator_sees_every_administrations_agreements(world):
    assert _ids(world.operator) == {world.mou_sa.pk, world.agreement_ma.pk}


def test_national_administrator_sees_only_their_administration(world):
    assert _ids(world.admin_sa) == {world.mou_sa.pk}
    assert _ids(world.admin_ma) == {world.agreement_ma.pk}


def test_facility_staff_see_their_administrations_agreements(world):
    assert _ids(world.staff_a) == {world.mou_sa.pk}


def test_partner_sees_only_agreements_their_organization_is_party_to(world):
    assert _ids(world.partner_university) == {world.mou_sa.pk}
    assert _ids(world.partner_foundation) == {world.agreement_ma.pk}
    assert _ids(world.partner_outsider) == set()


def test_donor_researcher_and_inactive_users_see_no_agreement(world):
    assert _ids(world.donor) == set()
    assert _ids(world.researcher) == set()
    world.admin_sa.is_active = False
    world.admin_sa.save()
    assert _ids(world.admin_sa) == set()


def test_auditor_sees_their_administration_or_all_when_installation_wide(world):
    assert _ids(world.auditor_sa) == {world.mou_sa.pk}
    assert _ids(world.auditor_all) == {world.mou_sa.pk, world.agreement_ma.pk}


@pytest.mark.parametrize(
    "persona", ["admin_ma", "staff_b_other_admin", "partner_outsider", "partner_foundation", "donor"]
)
def test_outsiders_get_404_on_the_detail_page_and_api(world, client_for, persona):
    if persona == "staff_b_other_admin":
        # A facility of Morocco's administration must not reach a Saudi agreement.
        from conftest import make_user

        user = make_user("staff-ma", "facility_staff", facility=world.facility_ma)
    else:
        user = getattr(world, persona)
    client = client_for(user)
    assert client.get(f"/en/agreements/{world.mou_sa.pk}/").status_code == 404
    response = client.get(f"/api/v1/agreements/{world.mou_sa.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "Naif" not in response.content.decode()


def test_list_page_and_api_show_nothing_of_another_administration(world, client_for):
    client = client_for(world.admin_ma)
    page = client.get("/en/agreements/").content.decode()
    assert "Convention Souss-Massa" in page
    assert "Naif" not in page
    api = client.get("/api/v1/agreements/").json()
    assert [item["reference"] for item in api["items"]] == ["MA-2024-SM"]


def test_partner_reads_but_cannot_change_an_agreement(world, client_for):
    client = client_for(world.partner_university)
    assert client.get(f"/en/agreements/{world.mou_sa.pk}/").status_code == 200
    assert client.get(f"/en/agreements/{world.mou_sa.pk}/edit/").status_code == 404
    response = client.post(f"/en/agreements/{world.mou_sa.pk}/objectives/", {"text": "Sneaky"})
    assert response.status_code == 404
    response = client.patch(
        f"/api/v1/agreements/{world.mou_sa.pk}/", {"summary": "changed"}, content_type="application/json"
    )
    assert response.status_code == 404
    world.mou_sa.refresh_from_db()
    assert world.mou_sa.summary == ""
    assert not world.mou_sa.objectives.exists()


def test_facility_staff_cannot_create_agreements(world, client_for):
    client = client_for(world.staff_a)
    assert client.get("/en/agreements/new/").status_code == 404
    response = client.post(
        "/api/v1/agreements/",
        {"administration": "sa-prisons", "kind": "mou", "reference": "X-1", "names": {"en": "x"}},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not world.sa.agreements.filter(reference="X-1").exists()


def test_national_admin_cannot_create_in_another_administration(world, client_for):
    client = client_for(world.admin_ma)
    response = client.post(
        "/api/v1/agreements/",
        {"administration": "sa-prisons", "kind": "mou", "reference": "X-2", "names": {"en": "x"}},
        content_type="application/json",
    )
    assert response.status_code in (404, 422)
    assert not world.sa.agreements.filter(reference="X-2").exists()


def test_anonymous_visitors_are_sent_to_sign_in_and_refused_by_the_api(world, client):
    response = client.get(f"/en/agreements/{world.mou_sa.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    response = client.get("/api/v1/agreements/")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_documents_are_served_only_through_the_scoped_page(world, client_for, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from karama.agreements.services import attach_document

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    document = attach_document(
        agreement=world.mou_sa,
        by=world.admin_sa,
        uploaded=SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed", content_type="application/pdf"),
    )
    url = f"/en/agreements/{world.mou_sa.pk}/documents/{document.pk}/"
    assert client_for(world.partner_university).get(url).status_code == 200
    assert client_for(world.admin_ma).get(url).status_code == 404


def test_organizations_of_another_administration_are_invisible(world, client_for):
    client = client_for(world.admin_ma)
    assert client.get("/en/organizations/nauss/").status_code == 404
    assert client.get("/api/v1/organizations/nauss/").status_code == 404
    codes = {item["code"] for item in client.get("/api/v1/organizations/").json()["items"]}
    assert "nauss" not in codes and "sa-prisons" not in codes
    assert "fm6" in codes


def test_partner_sees_its_fellow_parties_but_not_the_whole_registry(world, client_for):
    client = client_for(world.partner_university)
    codes = {item["code"] for item in client.get("/api/v1/organizations/").json()["items"]}
    assert codes == {"nauss", "sa-prisons"}
    assert client.get("/en/organizations/some-company/").status_code == 404


def test_facilities_of_another_administration_are_invisible(world, client_for):
    client = client_for(world.admin_ma)
    assert client.get("/en/facilities/unaizah/").status_code == 404
    assert client.get("/api/v1/facilities/unaizah/").status_code == 404
    client = client_for(world.donor)
    assert client.get("/en/facilities/agadir/").status_code == 404
    assert client.get("/api/v1/facilities/").json()["items"] == []
