"""Every user-facing string is translated into Arabic, Persian and French, and the catalogues are current."""

import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command

LOCALES = ["ar", "fa", "fr"]
PROJECT = Path(settings.BASE_DIR) / "karama"


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory):
    """The catalogues as makemessages would write them from today's code, merged with the committed ones.

    makemessages runs on a copy of the source tree, so it can never write into the real catalogues.
    """
    import os

    from django.test import override_settings

    source = tmp_path_factory.mktemp("source") / "karama"
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo"))
    cwd = os.getcwd()
    os.chdir(source)
    try:
        with override_settings(LOCALE_PATHS=[str(source / "locale")]):
            call_command(
                "makemessages",
                locale=LOCALES,
                no_obsolete=True,
                no_location=True,
                ignore_patterns=["static/*"],
                verbosity=0,
            )
    finally:
        os.chdir(cwd)
    return source / "locale"


def _untranslated(path: Path) -> list[str]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def _catalogues(root: Path, locale: str) -> list[Path]:
    """The project's catalogue and those of apps that keep their own (karama/<app>/locale/)."""
    return sorted(root.glob(f"**/locale/{locale}/LC_MESSAGES/django.po"))


@pytest.mark.parametrize("locale", LOCALES)
def test_committed_catalogues_are_complete(locale):
    for path in _catalogues(PROJECT, locale):
        missing = _untranslated(path)
        assert not missing, f"{len(missing)} untranslated in {path}: {missing[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_string_in_the_code_is_missing_from_the_catalogues(fresh_catalogues, locale):
    for path in _catalogues(fresh_catalogues.parent, locale):
        missing = _untranslated(path)
        assert not missing, (
            f"run `make messages` and translate {path.relative_to(fresh_catalogues.parent)}: {missing[:10]}"
        )


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogues_match_the_po_files(locale):
    for po_file in _catalogues(PROJECT, locale):
        _check_compiled(po_file)


def _check_compiled(po_file: Path) -> None:
    import gettext

    with po_file.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    with po_file.open("rb") as handle:
        catalog = read_po(handle)
    stale = []
    for message in catalog:
        if not message.id or isinstance(message.id, tuple):
            continue
        key = f"{message.context}\x04{message.id}" if message.context else message.id
        if compiled._catalog.get(key) != message.string:
            stale.append(message.id)
    assert not stale, f"run `make messages` to compile: {stale[:5]}"
