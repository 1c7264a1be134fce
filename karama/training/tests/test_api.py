"""The training API: programmes, sessions, attendance, enrolments, outcomes, certificates, and the public
verification; scoped as the pages are, bad input refused with the one error shape and nothing written."""

import json

import pytest
from django.utils import timezone

from karama.people.tests.factories import make_person
from karama.training import services
from karama.training.models import Certificate, Enrolment, Programme
from karama.training.tests.factories import complete, consent_to, days, make_programme

API = "/api/v1/training"


def post(client, path, data):
    return client.post(f"{API}{path}", json.dumps(data), content_type="application/json")


def put(client, path, data):
    return client.put(f"{API}{path}", json.dumps(data), content_type="application/json")


@pytest.fixture
def programme(world):
    return make_programme(world)


def test_create_and_read_a_programme(world, client_for):
    client = client_for(world.admin_sa)
    response = post(
        client,
        "/programmes/",
        {
            "administration": "sa-prisons",
            "reference": "NAUSS-STAFF-9",
            "kind": "staff_training",
            "names": {"ar": "ورشة إدارة الحالات", "en": "Case management workshop"},
            "original_language": "ar",
            "provider": "nauss",
            "agreement": world.mou_sa.pk,
            "capacity": 25,
            "starts_on": days(-3).isoformat(),
            "ends_on": days(10).isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["provider"] == "nauss" and body["places_taken"] == 0 and body["facilities"] == []
    listed = client.get(f"{API}/programmes/", {"kind": "staff_training"}).json()
    assert [item["reference"] for item in listed["items"]] == ["NAUSS-STAFF-9"]


def test_a_programme_ending_before_it_starts_is_refused_and_writes_nothing(world, client_for):
    response = post(
        client_for(world.admin_sa),
        "/programmes/",
        {
            "administration": "sa-prisons",
            "reference": "BAD-1",
            "kind": "crafts",
            "names": {"en": "Weaving"},
            "provider": "nauss",
            "capacity": 5,
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid" and "ends_on" in response.json()["fields"]
    assert not Programme.objects.exists()


def test_a_partner_cannot_create_programmes(world, client_for):
    response = post(
        client_for(world.partner_university),
        "/programmes/",
        {
            "administration": "sa-prisons",
            "reference": "P-1",
            "kind": "crafts",
            "names": {"en": "Weaving"},
            "provider": "nauss",
            "capacity": 5,
            "starts_on": "2026-05-01",
            "ends_on": "2026-06-01",
        },
    )
    assert response.status_code == 422 and not Programme.objects.exists()


def test_enrol_record_attendance_complete_and_verify(world, client_for, client, programme):
    person = make_person(by=world.staff_a, facility=world.facility_a)
    consent_to(world, person, world.university)
    partner = client_for(world.partner_university)

    enrolled = post(partner, f"/programmes/{programme.pk}/enrolments/", {"person": person.public_code})
    assert enrolled.status_code == 201, enrolled.content
    code = enrolled.json()["code"]
    session = post(
        partner, f"/programmes/{programme.pk}/sessions/", {"held_on": days(-1).isoformat(), "topic": "Tools"}
    )
    assert session.status_code == 201
    marks = put(
        partner,
        f"/programmes/{programme.pk}/sessions/{session.json()['id']}/attendance/",
        {"marks": [{"enrolment": code, "status": "present"}]},
    )
    assert marks.json() == [{"enrolment": code, "participant": person.public_code, "status": "present"}]
    completed = post(partner, f"/enrolments/{code}/complete/", {"on": timezone.localdate().isoformat(), "score": 80})
    assert completed.json()["status"] == "completed" and completed.json()["attendance_rate"] == 100
    certificate = Certificate.objects.get()
    assert completed.json()["certificate"] == certificate.number

    client.logout()
    verified = client.get(f"{API}/verify/", {"number": certificate.number, "code": certificate.verification_code})
    assert verified.status_code == 200
    assert verified.json() == {
        "valid": True,
        "revoked": False,
        "programme": "Carpentry course",
        "issuer": "Naif Arab University for Security Sciences",
        "issued_on": timezone.localdate().isoformat(),
    }


def test_verification_of_an_unknown_pair_is_404_without_sign_in(db, client):
    response = client.get(f"{API}/verify/", {"number": "NAUSS-2026-000001", "code": "AAAAA-BBBBB"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_api_never_names_the_participant(world, client_for, programme):
    person = make_person(by=world.staff_a, facility=world.facility_a)
    services.enrol(programme=programme, by=world.admin_sa, person=person)
    body = client_for(world.admin_sa).get(f"{API}/programmes/{programme.pk}/enrolments/").content.decode()
    assert person.public_code in body
    assert person.given_name not in body and person.family_name not in body


def test_a_partner_cannot_enrol_someone_without_a_training_consent(world, client_for, programme):
    person = make_person(by=world.staff_a, facility=world.facility_a)
    consent_to(world, person, world.university, purpose="employment")
    response = post(
        client_for(world.partner_university), f"/programmes/{programme.pk}/enrolments/", {"person": person.public_code}
    )
    assert response.status_code == 422 and "consented to training" in response.json()["message"]
    stranger = make_person(by=world.staff_a, facility=world.facility_a)
    response = post(
        client_for(world.partner_university),
        f"/programmes/{programme.pk}/enrolments/",
        {"person": stranger.public_code},
    )
    assert response.status_code == 404
    assert not Enrolment.objects.exists()


def test_enrolment_after_the_end_is_refused(world, client_for):
    programme = make_programme(world, starts_on=days(-40), ends_on=days(-2))
    person = make_person(by=world.staff_a, facility=world.facility_a)
    response = post(
        client_for(world.admin_sa), f"/programmes/{programme.pk}/enrolments/", {"person": person.public_code}
    )
    assert response.status_code == 422 and not Enrolment.objects.exists()


def test_a_duplicate_certificate_number_is_refused(world, client_for, programme):
    first, second = (
        services.enrol(
            programme=programme, by=world.admin_sa, person=make_person(by=world.staff_a, facility=world.facility_a)
        )
        for _ in range(2)
    )
    complete(first, world.admin_sa, certificate_number="NAUSS-OLD-1")
    response = post(
        client_for(world.admin_sa),
        f"/enrolments/{second.public_code}/complete/",
        {"on": timezone.localdate().isoformat(), "certificate_number": "NAUSS-OLD-1"},
    )
    assert response.status_code == 422 and "number" in response.json()["fields"]
    assert Enrolment.objects.get(pk=second.pk).status == "enrolled"


def test_eligibility_hints_through_the_api(world, client_for):
    programme = make_programme(world, requires_literacy=True)
    person = make_person(by=world.staff_a, facility=world.facility_a, literacy="basic")
    hints = client_for(world.admin_sa).get(f"{API}/programmes/{programme.pk}/eligibility/{person.public_code}/").json()
    assert {
        "tone": "warning",
        "text": "The programme needs reading and writing; the record says: Reads and writes a little.",
    } in hints


def test_revoke_and_the_public_verification_says_so(world, client_for, client, programme):
    enrolment = services.enrol(
        programme=programme, by=world.admin_sa, person=make_person(by=world.staff_a, facility=world.facility_a)
    )
    complete(enrolment, world.admin_sa)
    certificate = enrolment.certificates.get()
    response = post(
        client_for(world.admin_sa),
        f"/enrolments/{enrolment.public_code}/certificates/{certificate.pk}/revoke/",
        {"reason": "Issued by mistake"},
    )
    assert response.status_code == 200 and response.json()["revoked_at"]
    client.logout()
    verified = client.get(f"{API}/verify/", {"number": certificate.number, "code": certificate.verification_code})
    assert verified.json()["valid"] is False and verified.json()["revoked"] is True


def test_the_certificate_pdf_through_the_api(world, client_for, programme):
    enrolment = services.enrol(
        programme=programme, by=world.admin_sa, person=make_person(by=world.staff_a, facility=world.facility_a)
    )
    complete(enrolment, world.admin_sa)
    certificate = enrolment.certificates.get()
    response = client_for(world.admin_sa).get(
        f"{API}/enrolments/{enrolment.public_code}/certificates/{certificate.pk}/pdf/", {"language": "fr"}
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"].endswith(f'{certificate.number}-fr.pdf"')


def test_outsiders_get_404(world, client_for, programme):
    enrolment = services.enrol(
        programme=programme, by=world.admin_sa, person=make_person(by=world.staff_a, facility=world.facility_a)
    )
    for persona in (world.admin_ma, world.partner_outsider):
        client = client_for(persona)
        assert client.get(f"{API}/programmes/{programme.pk}/").status_code == 404
        assert client.get(f"{API}/enrolments/{enrolment.public_code}/").status_code == 404
        assert client.get(f"{API}/programmes/{programme.pk}/sessions/").status_code == 404
    assert client_for(world.donor).get(f"{API}/programmes/").status_code == 404


def test_reading_an_enrolment_is_logged(world, client_for, programme):
    person = make_person(by=world.staff_a, facility=world.facility_a)
    enrolment = services.enrol(programme=programme, by=world.admin_sa, person=person)
    client_for(world.staff_a).get(f"{API}/enrolments/{enrolment.public_code}/")
    assert person.access_log.filter(action="api_read", user=world.staff_a).exists()


def test_staff_training_enrols_by_username(world, client_for):
    programme = make_programme(world, kind="staff_training", facilities=[])
    response = post(client_for(world.admin_sa), f"/programmes/{programme.pk}/enrolments/", {"staff": "staff-b"})
    assert response.status_code == 201 and response.json()["staff"] == "staff-b"
    response = post(client_for(world.admin_sa), f"/programmes/{programme.pk}/enrolments/", {"staff": "admin-ma"})
    assert response.status_code == 422


def test_custody_end_through_the_api(world, client_for, programme):
    enrolment = services.enrol(
        programme=programme, by=world.admin_sa, person=make_person(by=world.staff_a, facility=world.facility_a)
    )
    response = post(
        client_for(world.staff_a),
        f"/enrolments/{enrolment.public_code}/custody-end/",
        {"on": timezone.localdate().isoformat(), "reason": "released"},
    )
    assert response.json()["status"] == "ended_custody" and response.json()["end_reason"] == "released"


def test_the_openapi_document_describes_training_and_the_open_verification(db, client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/training/programmes/{programme_id}/enrolments/" in schema["paths"]
    verify = schema["paths"]["/api/v1/training/verify/"]["get"]
    assert not verify.get("security")
    assert schema["paths"]["/api/v1/training/programmes/"]["get"].get("security")
