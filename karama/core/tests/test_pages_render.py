"""Every page renders for the people who may see it, in each language."""

import pytest
from django.urls import reverse

LANGUAGES = ["ar", "fa", "fr", "en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_admin_pages_render_in_every_language(world, client_for, language):
    client = client_for(world.admin_sa)
    pages = [
        f"/{language}/",
        f"/{language}/agreements/",
        f"/{language}/agreements/{world.mou_sa.pk}/",
        f"/{language}/agreements/new/",
        f"/{language}/agreements/{world.mou_sa.pk}/edit/",
        f"/{language}/organizations/",
        f"/{language}/organizations/nauss/",
        f"/{language}/organizations/new/",
        f"/{language}/facilities/",
        f"/{language}/facilities/unaizah/",
        f"/{language}/facilities/new/",
        f"/{language}/accounts/preferences/",
        f"/{language}/history/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        direction = "rtl" if language in ("ar", "fa") else "ltr"
        assert f'<html lang="{language}" dir="{direction}">' in html, page


def test_login_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
