"""Give every catalogue a proper header: no fuzzy flag (msgfmt would skip it), the language, the project.

makemessages writes a placeholder header into a new catalogue; `make messages` runs this after it.
"""

import re
import sys
from pathlib import Path

NAMES = {"ar": "Arabic", "fa": "Persian", "fr": "French"}


def fix(path: Path) -> None:
    language = path.parts[-3]
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition('\nmsgid ""\nmsgstr ""\n')
    if not sep:
        return
    head = re.sub(r"\n?^#, fuzzy$", "", head, flags=re.M)
    head = head.replace("SOME DESCRIPTIVE TITLE.", "Karama translations.")
    head = head.replace("YEAR THE PACKAGE'S COPYRIGHT HOLDER", "2026 Karama contributors")
    head = head.replace("the PACKAGE package", "the Karama project")
    head = head.replace("FIRST AUTHOR <EMAIL@ADDRESS>, YEAR.", "Karama contributors, 2026.")
    rest = rest.replace('"Project-Id-Version: PACKAGE VERSION\\n"', '"Project-Id-Version: Karama\\n"')
    rest = rest.replace('"Last-Translator: FULL NAME <EMAIL@ADDRESS>\\n"', '"Last-Translator: Karama contributors\\n"')
    rest = rest.replace(
        '"Language-Team: LANGUAGE <LL@li.org>\\n"', f'"Language-Team: {NAMES.get(language, language)}\\n"'
    )
    rest = rest.replace('"Language: \\n"', f'"Language: {language}\\n"')
    rest = rest.replace('"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\\n"', '"PO-Revision-Date: 2026-01-01 00:00+0000\\n"')
    path.write_text(head + sep + rest, encoding="utf-8")


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "karama")
    for po_file in root.glob("**/locale/*/LC_MESSAGES/django.po"):
        fix(po_file)
