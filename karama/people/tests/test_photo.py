"""A person's photo: only the administration's staff see it, every view of it is logged, the stored file keeps
nothing but the picture, and anything that is not a photo is refused with nothing written."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from karama.people import services
from karama.people.models import AccessLog, Person
from karama.people.tests.factories import make_person


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def _jpeg_with_exif(size=(1600, 1200), kind="JPEG") -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x9003] = "2024:05:01 10:00:00"  # DateTimeOriginal
    out = io.BytesIO()
    if kind == "GIF":
        image.save(out, kind)
    else:
        image.save(out, kind, exif=exif)
    return out.getvalue()


def _upload(content: bytes, name="face.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def person(world):
    return make_person(by=world.staff_a, facility=world.facility_a, family_name="الحربي")


def test_staff_upload_a_photo_that_keeps_only_the_picture(world, client_for, person, media):
    client = client_for(world.staff_a)
    response = client.post(f"/en/people/{person.public_code}/photo/change/", {"photo": _upload(_jpeg_with_exif())})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.photo.name.startswith("people/photos/") and person.public_code not in person.photo.name
    with Image.open(person.photo.path) as stored:
        assert max(stored.size) == 800 and stored.format == "JPEG"
        assert not stored.getexif()
    assert b"CameraMaker" not in Path(person.photo.path).read_bytes()
    page = client.get(f"/en/people/{person.public_code}/").content.decode()
    assert f"/en/people/{person.public_code}/photo/" in page


def test_the_photo_is_served_to_staff_logged_and_never_cached(world, client_for, person):
    services.set_photo(person=person, by=world.staff_a, upload=_upload(_jpeg_with_exif((300, 200))))
    before = AccessLog.objects.filter(person=person, detail="photo").count()
    response = client_for(world.admin_sa).get(f"/en/people/{person.public_code}/photo/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert AccessLog.objects.filter(person=person, detail="photo", user=world.admin_sa).count() == before + 1


def test_partners_donors_and_other_facilities_never_get_the_photo(world, client_for, person):
    services.set_photo(person=person, by=world.staff_a, upload=_upload(_jpeg_with_exif((300, 200))))
    services.record_consent(
        person=person,
        by=world.staff_a,
        organization=world.university,
        purpose="aftercare",
        valid_from=datetime.date(2024, 1, 1),
    )
    partner = client_for(world.partner_university)
    assert partner.get(f"/en/people/{person.public_code}/").status_code == 200  # the partner sees the record
    assert (
        f"/people/{person.public_code}/photo/" not in partner.get(f"/en/people/{person.public_code}/").content.decode()
    )
    for user in (world.partner_university, world.staff_b, world.donor, world.researcher, world.admin_ma):
        assert client_for(user).get(f"/en/people/{person.public_code}/photo/").status_code == 404, user
    # Nor can anyone but the person's managers change it.
    for user in (world.partner_university, world.staff_b):
        response = client_for(user).post(
            f"/en/people/{person.public_code}/photo/change/", {"photo": _upload(_jpeg_with_exif((90, 90)))}
        )
        assert response.status_code == 404, user


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"%PDF-1.4 not a photo", "face.jpg"),
        (b"GIF89a" + b"\x00" * 40, "face.gif"),
        (b"", "empty.jpg"),
    ],
)
def test_anything_but_a_photo_is_refused_and_nothing_changes(world, client_for, person, content, name):
    services.set_photo(person=person, by=world.staff_a, upload=_upload(_jpeg_with_exif((300, 200))))
    stored = Person.objects.get(pk=person.pk).photo.name
    response = client_for(world.staff_a).post(
        f"/en/people/{person.public_code}/photo/change/", {"photo": _upload(content, name)}, follow=True
    )
    assert Person.objects.get(pk=person.pk).photo.name == stored
    assert response.status_code == 200
    page = response.content.decode()
    assert "not a photo" in page or "Choose a photo" in page or "submitted file is empty" in page


def test_a_gif_image_is_refused_by_the_service(world, person):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.set_photo(person=person, by=world.staff_a, upload=_upload(_jpeg_with_exif((50, 50), "GIF")))
    assert not Person.objects.get(pk=person.pk).photo


def test_replacing_and_removing_delete_the_old_file(world, client_for, person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.set_photo(person=person, by=world.staff_a, upload=_upload(_jpeg_with_exif((300, 200))))
    first_path = Path(first.photo.path)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.set_photo(person=person, by=world.staff_a, upload=_upload(_jpeg_with_exif((200, 300))))
    second_path = Path(second.photo.path)
    assert second_path.exists() and not first_path.exists()
    client = client_for(world.staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/people/{person.public_code}/photo/change/", {"remove": "on"})
    assert not second_path.exists() and not Person.objects.get(pk=person.pk).photo
    assert client.get(f"/en/people/{person.public_code}/photo/").status_code == 404
