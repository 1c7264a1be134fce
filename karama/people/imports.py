"""Import of people and custody episodes from a prison management system: columns, reading, checks, dry run, commit."""

import csv
import datetime
import itertools
import operator
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from karama.core.crypto import encrypt, lookup_hash, mask, normalize_identifier
from karama.core.formatting import parse_date
from karama.core.models import Facility, Organization, User
from karama.core.text import normalize_for_search
from karama.people.models import (
    AccessAction,
    AdmissionKind,
    CaseCategory,
    CustodyEpisode,
    EducationLevel,
    ImportBatch,
    Literacy,
    Person,
    PersonStatus,
    ReleaseReason,
    Sex,
    StatusChange,
    new_person_code,
)
from karama.people.services import log_access

# A chunk is read, checked and written together: large enough for fast bulk statements, small enough
# that memory stays flat whatever the size of the file.
CHUNK_ROWS = 2000
PREVIEW_ROWS = 20
MAX_STORED_ERRORS = 1000
# The keys of every person met are held in memory for matching; this bounds them.
MAX_ROWS = 500_000
EARLIEST_DATE = datetime.date(1900, 1, 1)


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    meaning: Promise
    example: str
    choices: tuple[str, ...] = ()
    max_length: int = 0


COLUMNS: tuple[Column, ...] = (
    Column(
        "source_reference",
        False,
        _("The person's reference in the prison management system. Each line needs it or the national ID."),
        "PMS-104233",
        max_length=60,
    ),
    Column(
        "national_id",
        False,
        _("National ID number, stored encrypted. Each line needs it or the reference. Format the column as text."),
        "1023456789",
    ),
    Column("given_name", True, _("Given name, as written in the records."), "محمد", max_length=120),
    Column("father_name", False, _("Father's name."), "عبدالله", max_length=120),
    Column("family_name", True, _("Family name."), "القحطاني", max_length=120),
    Column("latin_given_name", False, _("Given name in Latin letters."), "Mohammed", max_length=120),
    Column("latin_family_name", False, _("Family name in Latin letters."), "Al-Qahtani", max_length=120),
    Column("sex", True, _("Sex."), "male", choices=tuple(Sex.values)),
    Column("birth_date", False, _("Birth date, YYYY-MM-DD (Gregorian)."), "1990-04-17"),
    Column("nationality", False, _("Nationality, as a two-letter ISO 3166 code."), "SA"),
    Column(
        "education_level", False, _("Highest education completed."), "primary", choices=tuple(EducationLevel.values)
    ),
    Column("literacy", False, _("Reading and writing."), "literate", choices=tuple(Literacy.values)),
    Column("facility", True, _("Code of the facility of this custody episode."), "unaizah"),
    Column("admitted_on", True, _("Admission date of this custody episode, YYYY-MM-DD (Gregorian)."), "2023-01-15"),
    Column("expected_release_on", False, _("Expected release date, YYYY-MM-DD (Gregorian)."), "2026-01-14"),
    Column("released_on", False, _("Release date, YYYY-MM-DD (Gregorian); empty while in custody."), ""),
    Column(
        "release_reason",
        False,
        _("Why the person was released; required with a release date."),
        "",
        choices=tuple(ReleaseReason.values),
    ),
    Column("case_category", True, _("Category of the case."), "financial", choices=tuple(CaseCategory.values)),
    Column(
        "episode_reference",
        False,
        _("The custody episode's reference in the prison management system."),
        "ADM-2023-0042",
        max_length=60,
    ),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
_COLUMNS_BY_NAME = {column.name: column for column in COLUMNS}
# Details of the person that a line sets; an empty cell leaves what is recorded as it is.
PERSON_FIELDS = (
    "given_name",
    "father_name",
    "family_name",
    "latin_given_name",
    "latin_family_name",
    "sex",
    "birth_date",
    "nationality",
    "education_level",
    "literacy",
)

# Reasons are stored with their code and parameters so that each reader sees them in their own language.
MESSAGES: dict[str, Promise] = {
    "missing_column": _("This column is missing; the template lists the columns."),
    "unknown_column": _("Unknown column; the template lists the columns this import reads."),
    "duplicate_column": _("This column appears twice."),
    "no_identifier_column": _("The file needs a national_id or a source_reference column."),
    "not_utf8": _("The file is not in UTF-8: save it as “CSV UTF-8”."),
    "unreadable": _("The file cannot be read as %(format)s."),
    "empty": _("The file has no lines after the header."),
    "too_many_rows": _("A file may have at most %(max)s lines; split it."),
    "extra_values": _("This line has more values than the header has columns."),
    "required": _("This value is required."),
    "too_long": _("At most %(max)s characters."),
    "bad_date": _("Not a date: write it as YYYY-MM-DD (Gregorian)."),
    "future_date": _("This date is in the future."),
    "bad_choice": _("Unknown value; use one of: %(choices)s."),
    "bad_country": _("Not a two-letter ISO 3166 country code, such as SA or MA."),
    "bad_national_id": _("A national ID has between 5 and 30 letters or digits."),
    "no_identifier": _("Give a national ID or a reference, so that the person is found again next time."),
    "unknown_facility": _("No facility has this code."),
    "other_administration": _("This facility belongs to another administration."),
    "other_facility": _("This import is for the facility %(facility)s only."),
    "birth_after_admission": _("The birth date is after the admission."),
    "expected_before_admission": _("The expected release cannot be before the admission."),
    "released_before_admission": _("The release cannot be before the admission."),
    "release_without_reason": _("Give the release reason."),
    "reason_without_release": _("A release reason needs a release date."),
    "identifiers_disagree": _("The national ID and the reference belong to two different people."),
    "reference_has_other_id": _("This reference belongs to a person with another national ID."),
    "person_elsewhere": _("This person is recorded in another facility; the national administration can import it."),
    "episode_moved": _("This custody episode is recorded with another admission date or facility."),
    "two_open_episodes": _("This person would have two open custody episodes; the one admitted on %(date)s is open."),
    "open_not_latest": _("An open custody episode must be the latest; this person was admitted again on %(date)s."),
    "failed": _("The import stopped on an unexpected error (%(error)s); nothing was written."),
    "abandoned": _("The import made no progress for a day and was stopped; nothing was written."),
    "changed_meanwhile": _("The registry changed while the file was being imported; nothing was written. Try again."),
    "after_open": _("This person is in custody since %(date)s; that stay must be released before a later one."),
}


def reason_text(error: dict) -> str:
    """The reason of a stored error in the reader's language."""
    message = MESSAGES.get(error.get("code", ""))
    if message is None:
        return error.get("reason", "")
    params = error.get("params") or {}
    return str(message) % params if params else str(message)


class FileProblem(Exception):
    """The file itself cannot be read on (an unreadable file, a bad header, a decoding error)."""

    def __init__(self, code: str, *, line: int = 1, column: str = "", **params):
        super().__init__(code)
        self.code, self.line, self.column, self.params = code, line, column, params


def _is_xlsx(batch: ImportBatch) -> bool:
    return batch.file.name.lower().endswith(".xlsx")


def _cell(value: Any) -> Any:
    """A spreadsheet cell as text, except dates, which stay dates."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _delimiter(first_line: str) -> str:
    # French and Arabic spreadsheet programs often write ';' where English ones write ','.
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def _decoded(binary) -> Iterator[str]:
    """The file's lines as text, decoded one by one so that a byte that is not UTF-8 is found on its line."""
    for line, raw in enumerate(binary, start=1):
        try:
            yield raw.decode("utf-8-sig" if line == 1 else "utf-8")
        except UnicodeDecodeError:
            raise FileProblem("not_utf8", line=line)


def _csv_lines(binary) -> Iterator[list]:
    lines = _decoded(binary)
    first = next(lines, "")
    yield from csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first))


def _xlsx_lines(binary) -> Iterator[tuple]:
    from openpyxl import load_workbook

    workbook = load_workbook(binary, read_only=True, data_only=True)
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


@contextmanager
def _raw_lines(batch: ImportBatch) -> Iterator[Iterator[tuple[int, list]]]:
    """(line, cells) for every line of the stored file, the header being line 1, read as a stream."""
    xlsx = _is_xlsx(batch)
    with batch.file.open("rb") as binary:
        lines = _xlsx_lines(binary) if xlsx else _csv_lines(binary)

        def numbered() -> Iterator[tuple[int, list]]:
            line = 0
            try:
                for line, cells in enumerate(lines, start=1):  # noqa: B007 - `line` names where reading stopped
                    yield line, [_cell(value) for value in cells]
            except FileProblem:
                raise
            except Exception:
                # csv.Error, zipfile.BadZipFile, openpyxl's own errors: the format is what went wrong.
                raise FileProblem("unreadable", line=line + 1, format="XLSX" if xlsx else "CSV")

        yield numbered()


def _read_header(cells: list) -> dict[str, int]:
    positions: dict[str, int] = {}
    for position, value in enumerate(cells):
        name = str(value).strip().lower().replace(" ", "_").replace("-", "_")
        if not name:
            continue
        if name not in _COLUMNS_BY_NAME:
            raise FileProblem("unknown_column", column=name[:60])
        if name in positions:
            raise FileProblem("duplicate_column", column=name)
        positions[name] = position
    for column in COLUMNS:
        if column.required and column.name not in positions:
            raise FileProblem("missing_column", column=column.name)
    if "national_id" not in positions and "source_reference" not in positions:
        raise FileProblem("no_identifier_column")
    return positions


@contextmanager
def read_rows(batch: ImportBatch) -> Iterator[Iterator[tuple[int, dict[str, Any]]]]:
    """(line, {column: value}) for every non-blank line after the header."""
    with _raw_lines(batch) as lines:
        header = next(lines, None)
        if header is None:
            raise FileProblem("empty")
        positions = _read_header(header[1])
        width = max(positions.values()) + 1

        def rows() -> Iterator[tuple[int, dict[str, Any]]]:
            for line, cells in lines:
                if not any(value != "" for value in cells):
                    continue
                if line > MAX_ROWS + 1:
                    raise FileProblem("too_many_rows", line=line, max=MAX_ROWS)
                values = {
                    name: cells[position] if position < len(cells) else "" for name, position in positions.items()
                }
                if any(value != "" for value in cells[width:]):
                    values["__extra__"] = True
                yield line, values

        yield rows()


def count_rows(batch: ImportBatch) -> int:
    """The number of lines after the header, for the progress bar; 0 when it cannot be known cheaply."""
    try:
        if _is_xlsx(batch):
            from openpyxl import load_workbook

            with batch.file.open("rb") as binary:
                workbook = load_workbook(binary, read_only=True, data_only=True)
                rows = workbook.worksheets[0].max_row
                workbook.close()
            return max((rows or 1) - 1, 0)
        with batch.file.open("rb") as binary:
            return max(sum(1 for cells in _csv_lines(binary) if any(cells)) - 1, 0)
    except Exception:
        # The real read reports what is wrong with the file, with its line.
        return 0


# Reading one line --------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    line: int
    person: dict[str, Any]
    national_id: str
    national_id_hash: str
    # Prepared ahead, in the reading thread, when the line looks like a new person.
    national_id_encrypted: str
    public_code: str
    reference: str
    facility_id: int
    admitted_on: datetime.date
    expected_release_on: datetime.date | None
    released_on: datetime.date | None
    release_reason: str
    case_category: str
    episode_reference: str

    @property
    def reference_key(self) -> str:
        return self.reference.lower()


class _Line:
    """The cells of one line, read column by column; what is wrong is collected, not raised."""

    def __init__(self, line: int, values: dict[str, Any], today: datetime.date):
        self.line, self.values, self.today = line, values, today
        self.errors: list[tuple[str, str, dict]] = []

    def error(self, column: str, code: str, **params) -> None:
        self.errors.append((column, code, params))

    def text(self, name: str, *, required: bool = False) -> str:
        value = self.values.get(name, "")
        value = value.isoformat() if isinstance(value, datetime.date) else " ".join(value.split())
        limit = _COLUMNS_BY_NAME[name].max_length
        if required and not value:
            self.error(name, "required")
        elif limit and len(value) > limit:
            self.error(name, "too_long", max=limit)
            return ""
        return value

    def choice(self, name: str, *, required: bool = False) -> str:
        value = self.text(name, required=required).lower()
        choices = _COLUMNS_BY_NAME[name].choices
        if value and value not in choices:
            self.error(name, "bad_choice", choices=", ".join(choices))
            return ""
        return value

    def date(self, name: str, *, required: bool = False, past: bool = True) -> datetime.date | None:
        value = self.values.get(name, "")
        if value == "":
            if required:
                self.error(name, "required")
            return None
        if not isinstance(value, datetime.date):
            try:
                value = parse_date(str(value), calendar="gregorian")
            except (ValueError, OverflowError):
                self.error(name, "bad_date")
                return None
        if value < EARLIEST_DATE:
            self.error(name, "bad_date")
            return None
        if past and value > self.today:
            self.error(name, "future_date")
            return None
        return value


_country_checks: dict[str, bool] = {}


def _is_country(code: str) -> bool:
    from django.core.exceptions import ValidationError

    from karama.core.models import validate_country

    if code not in _country_checks:
        try:
            validate_country(code)
            _country_checks[code] = True
        except ValidationError:
            _country_checks[code] = False
    return _country_checks[code]


class RowReader:
    """Turns the cells of a line into a Row, or into the reasons it cannot be imported."""

    def __init__(self, batch: ImportBatch, *, known: Callable[[str, str], bool] = lambda digest, reference: False):
        self.known = known
        self.administration_id = batch.administration_id
        self.facility = batch.facility
        self.today = timezone.localdate()
        self.facilities = {
            code.lower(): (pk, administration_id)
            for pk, code, administration_id in Facility.objects.values_list("pk", "code", "administration_id")
        }

    def read(self, line: int, values: dict[str, Any]) -> tuple[Row | None, list[tuple[str, str, dict]]]:
        cells = _Line(line, values, self.today)
        if values.get("__extra__"):
            cells.error("", "extra_values")
        person = self._person(cells)
        national_id, reference = self._identifiers(cells)
        facility_id = self._facility(cells)
        episode = self._episode(cells, person.get("birth_date"))
        if cells.errors:
            return None, cells.errors
        digest = lookup_hash(national_id) if national_id else ""
        new = not self.known(digest, reference.lower())
        row = Row(
            line=line,
            person=person,
            national_id=national_id,
            national_id_hash=digest,
            national_id_encrypted=encrypt(national_id) if new else "",
            public_code=new_person_code() if new else "",
            reference=reference,
            facility_id=facility_id,
            **episode,
        )
        return row, []

    def _person(self, cells: _Line) -> dict[str, Any]:
        person = {
            "given_name": cells.text("given_name", required=True),
            "father_name": cells.text("father_name"),
            "family_name": cells.text("family_name", required=True),
            "latin_given_name": cells.text("latin_given_name"),
            "latin_family_name": cells.text("latin_family_name"),
            "sex": cells.choice("sex", required=True),
            "birth_date": cells.date("birth_date"),
            "nationality": cells.text("nationality").upper(),
            "education_level": cells.choice("education_level"),
            "literacy": cells.choice("literacy"),
        }
        if person["nationality"] and not _is_country(person["nationality"]):
            cells.error("nationality", "bad_country")
        return {name: value for name, value in person.items() if value not in ("", None)}

    def _identifiers(self, cells: _Line) -> tuple[str, str]:
        raw = cells.values.get("national_id", "")
        national_id = normalize_identifier(raw.isoformat() if isinstance(raw, datetime.date) else raw)
        if raw and not 5 <= len(national_id) <= 30:
            cells.error("national_id", "bad_national_id")
        reference = cells.text("source_reference")
        if not national_id and not reference and not raw:
            cells.error("national_id", "no_identifier")
        return national_id, reference

    def _facility(self, cells: _Line) -> int:
        code = cells.text("facility", required=True).lower()
        if not code:
            return 0
        found = self.facilities.get(code)
        if found is None:
            cells.error("facility", "unknown_facility")
            return 0
        facility_id, administration_id = found
        if administration_id != self.administration_id:
            cells.error("facility", "other_administration")
        elif self.facility is not None and facility_id != self.facility.pk:
            cells.error("facility", "other_facility", facility=self.facility.code)
        return facility_id

    def _episode(self, cells: _Line, birth_date: datetime.date | None) -> dict[str, Any]:
        admitted_on = cells.date("admitted_on", required=True)
        expected = cells.date("expected_release_on", past=False)
        released_on = cells.date("released_on")
        reason = cells.choice("release_reason")
        if admitted_on:
            if birth_date and birth_date > admitted_on:
                cells.error("birth_date", "birth_after_admission")
            if expected and expected < admitted_on:
                cells.error("expected_release_on", "expected_before_admission")
            if released_on and released_on < admitted_on:
                cells.error("released_on", "released_before_admission")
        if released_on and not reason:
            cells.error("release_reason", "release_without_reason")
        if reason and not released_on and not cells.values.get("released_on"):
            cells.error("release_reason", "reason_without_release")
        return {
            "admitted_on": admitted_on,
            "expected_release_on": expected,
            "released_on": released_on,
            "release_reason": reason,
            "case_category": cells.choice("case_category", required=True),
            "episode_reference": cells.text("episode_reference"),
        }


# The run: the same for the dry run and the commit ------------------------------------------------


@dataclass
class Outcome:
    total_rows: int = 0
    created_people: int = 0
    updated_people: int = 0
    created_episodes: int = 0
    unchanged_rows: int = 0
    error_count: int = 0
    errors: list[dict] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)

    def add_error(self, line: int, column: str, code: str, params: dict | None = None) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            error = {"line": line, "column": column, "code": code, "params": params or {}}
            error["reason"] = reason_text(error)
            self.errors.append(error)


@dataclass
class _Chunk:
    """What one chunk of lines changes, written together at its end."""

    people: dict[int, Person] = field(default_factory=dict)
    episodes: dict[int, list[CustodyEpisode]] = field(default_factory=lambda: defaultdict(list))
    new_people: dict[int, Person] = field(default_factory=dict)
    new_episodes: list[CustodyEpisode] = field(default_factory=list)
    changed_people: set[int] = field(default_factory=set)
    changed_episodes: dict[int, CustodyEpisode] = field(default_factory=dict)
    newly_released: list[CustodyEpisode] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)


_EPISODE_FIELDS = [
    "released_on",
    "release_reason",
    "expected_release_on",
    "case_category",
    "source_reference",
    "admission_kind",
]
_PERSON_UPDATE_FIELDS = [
    *PERSON_FIELDS,
    "source_reference",
    "national_id_encrypted",
    "national_id_hash",
    "status",
    "facility",
    "search_name",
    "updated_at",
]


class _Run:
    """Reads the file chunk by chunk and writes each chunk with a few bulk statements. The caller's
    transaction decides whether any of it stays: the dry run always rolls back, the commit only on error."""

    def __init__(self, batch: ImportBatch, *, by: User, progress: Callable[[int, int], None]):
        self.batch, self.by, self.progress = batch, by, progress
        self.outcome = Outcome()
        self.started = timezone.now()
        people = Person.objects.filter(administration_id=batch.administration_id)
        self.by_hash: dict[str, int] = dict(
            people.exclude(national_id_hash="").values_list("national_id_hash", "pk").iterator(chunk_size=10000)
        )
        self.by_reference: dict[str, int] = {
            reference.lower(): pk
            for reference, pk in people.exclude(source_reference="")
            .values_list("source_reference", "pk")
            .iterator(chunk_size=10000)
        }
        # People met earlier in the file: their details come from the first line that names them.
        self.seen: set[int] = set()
        self.updated: set[int] = set()
        self.placeholders = itertools.count(-1, -1)
        self.reader = RowReader(batch, known=self._known)
        # Names repeat a great deal (how many Mohammeds in 250,000 people?): each is normalized once.
        self.search_forms: dict[str, str] = {}

    def run(self) -> Outcome:
        total = count_rows(self.batch)
        processed = 0
        try:
            # closing(): the reading thread stops before the file closes, whatever happens to this one.
            with read_rows(self.batch) as rows, closing(_prefetched(self._read_chunks(rows))) as chunks:
                for chunk in chunks:
                    self._process(chunk)
                    processed += len(chunk)
                    self.progress(processed, max(total, processed))
        except FileProblem as problem:
            self.outcome.add_error(problem.line, problem.column, problem.code, problem.params)
        self.outcome.total_rows = processed
        if not processed and not self.outcome.error_count:
            self.outcome.add_error(2, "", "empty")
        self.outcome.updated_people = len(self.updated)
        return self.outcome

    def _known(self, digest: str, reference: str) -> bool:
        # Called from the reading thread: a look-up in dicts that only grow (a reference changed by an update is
        # the exception, and `_create_person` then prepares what was not).
        return (bool(digest) and digest in self.by_hash) or (bool(reference) and reference in self.by_reference)

    def _read_chunks(self, rows: Iterator[tuple[int, dict]]) -> Iterator[list[tuple[int, dict, Row | None, list]]]:
        """Lines read and checked on their own, chunk by chunk; nothing here touches the database."""
        for lines in _chunks(rows, CHUNK_ROWS):
            yield [(line, values, *self.reader.read(line, values)) for line, values in lines]

    def _process(self, lines: list[tuple[int, dict, Row | None, list]]) -> None:
        rows: list[Row] = []
        actions: dict[int, str] = {}
        for line, _values, row, errors in lines:
            for column, code, params in errors:
                self.outcome.add_error(line, column, code, params)
            if row is None:
                actions[line] = "error"
            else:
                rows.append(row)
        chunk = self._load(rows)
        for row in rows:
            actions[row.line] = self._apply(row, chunk)
        self.outcome.unchanged_rows += sum(1 for action in actions.values() if action == "unchanged")
        self._write(chunk)
        self._add_preview(lines, actions)

    def _load(self, rows: list[Row]) -> _Chunk:
        """The people this chunk names and their episodes: two queries for the whole chunk."""
        chunk = _Chunk()
        ids = set()
        for row in rows:
            ids.add(self.by_hash.get(row.national_id_hash))
            ids.add(self.by_reference.get(row.reference_key))
        ids.discard(None)
        if ids:
            chunk.people = {person.pk: person for person in Person.objects.filter(pk__in=ids)}
            for episode in CustodyEpisode.objects.filter(person_id__in=ids):
                chunk.episodes[episode.person_id].append(episode)
        return chunk

    # One line ---------------------------------------------------------------------------------

    def _apply(self, row: Row, chunk: _Chunk) -> str:
        by_hash = self.by_hash.get(row.national_id_hash) if row.national_id_hash else None
        by_reference = self.by_reference.get(row.reference_key) if row.reference else None
        if by_hash and by_reference and by_hash != by_reference:
            return self._reject(row, "national_id", "identifiers_disagree")
        person_id = by_hash or by_reference
        if person_id is None:
            self._create_person(row, chunk)
            return "create"
        person = chunk.new_people.get(person_id) or chunk.people[person_id]
        if not by_hash and row.national_id_hash and person.national_id_hash:
            return self._reject(row, "national_id", "reference_has_other_id")
        if self.batch.facility_id and person.pk and person.facility_id != self.batch.facility_id:
            return self._reject(row, "facility", "person_elsewhere")
        episodes = chunk.episodes[person_id]
        episode, changes = self._match_episode(row, episodes)
        if isinstance(changes, str):
            return self._reject(row, "admitted_on", changes)
        conflict = _custody_conflict(episodes, episode, changes, row)
        if conflict:
            code, date = conflict
            return self._reject(row, "admitted_on", code, date=date)
        changed = self._update_person(person_id, person, row, chunk) if person_id not in self.seen else False
        self.seen.add(person_id)
        changed = self._apply_episode(person_id, person, row, episode, changes, chunk) or changed
        if changed and person.pk and person.created_at < self.started:
            self.updated.add(person.pk)
        return "update" if changed else "unchanged"

    def _reject(self, row: Row, column: str, code: str, **params) -> str:
        self.outcome.add_error(row.line, column, code, {key: str(value) for key, value in params.items()})
        return "error"

    def _create_person(self, row: Row, chunk: _Chunk) -> None:
        placeholder = next(self.placeholders)
        person = _new_person(
            public_code=row.public_code or new_person_code(),
            administration_id=self.batch.administration_id,
            source_reference=row.reference,
            national_id_encrypted=row.national_id_encrypted or encrypt(row.national_id),
            national_id_hash=row.national_id_hash,
            **row.person,
        )
        person.search_name = self._search_name(person)
        chunk.new_people[placeholder] = person
        if row.national_id_hash:
            self.by_hash[row.national_id_hash] = placeholder
        if row.reference:
            self.by_reference[row.reference_key] = placeholder
        self.seen.add(placeholder)
        self._apply_episode(placeholder, person, row, None, {}, chunk)
        self.outcome.created_people += 1

    def _update_person(self, person_id: int, person: Person, row: Row, chunk: _Chunk) -> bool:
        """The first line naming a known person updates their details; empty cells change nothing."""
        changed = False
        for name, value in row.person.items():
            if getattr(person, name) != value:
                setattr(person, name, value)
                changed = True
        if row.reference and person.source_reference.lower() != row.reference_key:
            if self.by_reference.get(person.source_reference.lower()) == person_id:
                del self.by_reference[person.source_reference.lower()]
            person.source_reference = row.reference
            self.by_reference[row.reference_key] = person_id
            changed = True
        if row.national_id_hash and not person.national_id_hash:
            person.national_id_encrypted = row.national_id_encrypted or encrypt(row.national_id)
            person.national_id_hash = row.national_id_hash
            self.by_hash[row.national_id_hash] = person_id
            changed = True
        if changed:
            person.search_name = self._search_name(person)
            chunk.changed_people.add(person_id)
        return changed

    def _search_name(self, person: Person) -> str:
        """What Person.save() stores (karama.core.text.search_document), which bulk inserts do not call."""
        forms = []
        for part in person.name_parts():
            if part:
                if part not in self.search_forms:
                    self.search_forms[part] = normalize_for_search(part)
                forms.append(self.search_forms[part])
        return " ".join(filter(None, forms))

    def _match_episode(self, row: Row, episodes: list[CustodyEpisode]) -> tuple[CustodyEpisode | None, dict | str]:
        """The recorded episode this line speaks of, and what the line changes in it."""
        match = None
        reference = row.episode_reference.lower()
        if reference:
            match = next((e for e in episodes if e.source_reference.lower() == reference), None)
            if match and (match.admitted_on != row.admitted_on or match.facility_id != row.facility_id):
                return match, "episode_moved"
        if match is None:
            match = next(
                (e for e in episodes if e.admitted_on == row.admitted_on and e.facility_id == row.facility_id), None
            )
        if match is None:
            return None, {}
        changes: dict[str, Any] = {}
        # A line without a release does not reopen a recorded release: the file may be older than it.
        if row.released_on and (row.released_on, row.release_reason) != (match.released_on, match.release_reason):
            changes.update(released_on=row.released_on, release_reason=row.release_reason)
        if row.expected_release_on and row.expected_release_on != match.expected_release_on:
            changes["expected_release_on"] = row.expected_release_on
        if row.case_category != match.case_category:
            changes["case_category"] = row.case_category
        if row.episode_reference and not match.source_reference:
            changes["source_reference"] = row.episode_reference
        return match, changes

    def _apply_episode(
        self,
        person_id: int,
        person: Person,
        row: Row,
        episode: CustodyEpisode | None,
        changes: dict,
        chunk: _Chunk,
    ) -> bool:
        if episode is None:
            episode = _new_episode(
                facility_id=row.facility_id,
                admitted_on=row.admitted_on,
                expected_release_on=row.expected_release_on,
                released_on=row.released_on,
                release_reason=row.release_reason,
                case_category=row.case_category,
                source_reference=row.episode_reference,
            )
            episode.owner = person
            chunk.episodes[person_id].append(episode)
            chunk.new_episodes.append(episode)
            chunk.touched.add(person_id)
            self.outcome.created_episodes += 1
            return True
        if not changes:
            return False
        chunk.touched.add(person_id)
        if "released_on" in changes and episode.released_on is None and episode.pk:
            chunk.newly_released.append(episode)
        for name, value in changes.items():
            setattr(episode, name, value)
        if episode.pk:
            chunk.changed_episodes[episode.pk] = episode
        return True

    # Writing a chunk ------------------------------------------------------------------------------

    def _write(self, chunk: _Chunk) -> None:
        self._settle_custody(chunk)
        self._insert_people(chunk)
        # Releases are written before new admissions: a person has at most one open episode at any moment.
        CustodyEpisode.objects.bulk_update(chunk.changed_episodes.values(), _EPISODE_FIELDS, batch_size=500)
        for episode in chunk.new_episodes:
            episode.person_id = episode.owner.pk
        insert(chunk.new_episodes)
        changed = [chunk.people[pk] for pk in chunk.changed_people if pk > 0]
        now = timezone.now()
        for person in changed:
            person.updated_at = now
        Person.objects.bulk_update(changed, _PERSON_UPDATE_FIELDS, batch_size=500)
        insert(self._status_changes(chunk))

    def _settle_custody(self, chunk: _Chunk) -> None:
        """Admission kinds, then each touched person's status and facility from their episodes."""
        for person_id in chunk.touched:
            person = chunk.new_people.get(person_id) or chunk.people[person_id]
            episodes = sorted(chunk.episodes[person_id], key=lambda e: e.admitted_on)
            for position, episode in enumerate(episodes):
                kind = _admission_kind(episodes[:position], episode)
                if episode.pk is None:
                    episode.admission_kind = kind
                elif episode.admission_kind == AdmissionKind.ADMISSION and kind != AdmissionKind.ADMISSION:
                    # An earlier stay arrived with this file: what was recorded as a first admission is not one.
                    episode.admission_kind = kind
                    chunk.changed_episodes[episode.pk] = episode
            status, facility_id = _custody_state(person, episodes)
            if (status, facility_id) != (person.status, person.facility_id) or person.pk is None:
                person.status, person.facility_id = status, facility_id
                chunk.changed_people.add(person_id)

    def _insert_people(self, chunk: _Chunk) -> None:
        if not chunk.new_people:
            return
        people = list(chunk.new_people.values())
        _unique_codes(people)
        insert(people, with_ids=True)
        for placeholder, person in chunk.new_people.items():
            chunk.people[person.pk] = person
            if person.national_id_hash:
                self.by_hash[person.national_id_hash] = person.pk
            if person.source_reference:
                self.by_reference[person.source_reference.lower()] = person.pk
            self.seen.discard(placeholder)
            self.seen.add(person.pk)

    def _status_changes(self, chunk: _Chunk) -> list[StatusChange]:
        """The status history the new and newly released episodes add (outcome reports count from it)."""
        changes = []
        for episode in chunk.new_episodes:
            if episode.admission_kind != AdmissionKind.TRANSFER_IN:
                changes.append(self._status_change(episode, PersonStatus.IN_CUSTODY, episode.admitted_on))
            if episode.released_on and episode.release_reason != ReleaseReason.TRANSFER_OUT:
                changes.append(self._release_change(episode))
        for episode in chunk.newly_released:
            if episode.release_reason != ReleaseReason.TRANSFER_OUT:
                changes.append(self._release_change(episode))
        return changes

    def _release_change(self, episode: CustodyEpisode) -> StatusChange:
        status = PersonStatus.CLOSED if episode.release_reason == ReleaseReason.DEATH else PersonStatus.RELEASED
        return self._status_change(episode, status, episode.released_on, episode.release_reason)

    def _status_change(self, episode: CustodyEpisode, status: str, on: datetime.date, reason: str = "") -> StatusChange:
        return _new_status_change(
            person_id=episode.person_id,
            status=status,
            effective_on=on,
            reason=reason or episode.admission_kind,
            recorded_by_id=self.by.pk,
        )

    def _add_preview(self, lines: list[tuple], actions: dict[int, str]) -> None:
        for line, values, *_read in lines:
            if len(self.outcome.preview) >= PREVIEW_ROWS:
                return
            self.outcome.preview.append(_preview_row(line, values, actions[line]))


# Field types whose Python value PostgreSQL's COPY takes as it is; others go through the field's own preparation.
_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "TextField",
}


class _Blueprint:
    """Makes unsaved instances of a model without Model.__init__, which for a Person (27 fields, defaults,
    signals) costs more than reading and checking the line. Only for rows written by `insert`, which sends no
    signals either. Values are given by attribute name (facility_id, not facility)."""

    def __init__(self, model):
        fields = model._meta.concrete_fields
        self.model = model
        self.fixed = {f.attname: f.get_default() for f in fields if not (f.has_default() and callable(f.default))}
        self.made = [(f.attname, f.default) for f in fields if f.has_default() and callable(f.default)]
        self.attnames = {f.attname for f in fields}

    def __call__(self, **values) -> Any:
        if not values.keys() <= self.attnames:
            # A relation given by name would be hidden by its descriptor and silently lost.
            raise TypeError(f"{self.model.__name__} has no column for {sorted(values.keys() - self.attnames)}")
        instance = self.model.__new__(self.model)
        instance.__dict__.update(self.fixed)
        for attname, make in self.made:
            if attname not in values:
                instance.__dict__[attname] = make()
        instance.__dict__.update(values)
        instance._state = ModelState()
        return instance


_new_person = _Blueprint(Person)
_new_episode = _Blueprint(CustodyEpisode)
_new_status_change = _Blueprint(StatusChange)


def insert(objects: list, *, with_ids: bool = False) -> None:
    """Insert model instances in bulk. On PostgreSQL with COPY, several times faster than bulk_create's INSERT
    (no SQL to build, no parameters to quote); ids, when wanted, are drawn from the table's sequence first."""
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=1000)
        return
    meta = model._meta
    if with_ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(objects)],
            )
            for instance, (pk,) in zip(objects, cursor.fetchall(), strict=True):
                instance.pk = pk
    fields = [f for f in meta.concrete_fields if with_ids or not f.primary_key]
    now = timezone.now()
    for stamp in fields:
        if getattr(stamp, "auto_now", False) or getattr(stamp, "auto_now_add", False):
            for instance in objects:
                setattr(instance, stamp.attname, now)
    plain = [f for f in fields if f.get_internal_type() in _PLAIN_TYPES]
    prepared = [f for f in fields if f.get_internal_type() not in _PLAIN_TYPES]
    values_of = operator.attrgetter(*(f.attname for f in plain))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in plain + prepared)
    statement = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for instance in objects:
            values = values_of(instance)
            if prepared:
                values = [*values, *(f.get_db_prep_save(getattr(instance, f.attname), connection) for f in prepared)]
            copy.write_row(values)
    for instance in objects:
        instance._state.adding, instance._state.db = False, connection.alias


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


_END = object()


def _prefetched(chunks: Iterator[list], depth: int = 2) -> Iterator[list]:
    """The next chunks are read and checked in a thread while this one is written: Python parses while the
    database indexes, instead of each waiting for the other. The reading thread never uses the database."""
    waiting: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        waiting.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put(_END)
        except BaseException as error:  # handed to the consumer, who raises it
            waiting.put(error)

    reader = threading.Thread(target=produce, name="import-reader", daemon=True)
    reader.start()
    try:
        while (item := waiting.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():
            with suppress(queue.Empty):
                waiting.get(timeout=0.1)
        reader.join()


def _unique_codes(people: list[Person]) -> None:
    """Public codes are random; at this scale two may meet, so they are checked in one query and redrawn."""
    while True:
        codes = [person.public_code for person in people]
        taken = set(Person.objects.filter(public_code__in=codes).values_list("public_code", flat=True))
        seen: set[str] = set()
        clashes = 0
        for person in people:
            if person.public_code in taken or person.public_code in seen:
                person.public_code = new_person_code()
                clashes += 1
            seen.add(person.public_code)
        if not clashes:
            return


def _admission_kind(earlier: list[CustodyEpisode], episode: CustodyEpisode) -> str:
    released = [e for e in earlier if e.released_on and e.released_on <= episode.admitted_on]
    if any(e.release_reason == ReleaseReason.TRANSFER_OUT and e.released_on == episode.admitted_on for e in released):
        return AdmissionKind.TRANSFER_IN
    return AdmissionKind.READMISSION if released else AdmissionKind.ADMISSION


def _custody_state(person: Person, episodes: list[CustodyEpisode]) -> tuple[str, int]:
    """Status and facility from the latest episode. Aftercare and a closed case, which the prison system
    does not know about, survive an import that only adds or releases past stays."""
    current = next((e for e in episodes if e.released_on is None), None)
    if current is not None:
        return PersonStatus.IN_CUSTODY, current.facility_id
    latest = max(episodes, key=lambda e: (e.admitted_on, e.released_on))
    if latest.release_reason == ReleaseReason.DEATH:
        return PersonStatus.CLOSED, latest.facility_id
    if person.pk and person.status in (PersonStatus.IN_AFTERCARE, PersonStatus.CLOSED):
        return person.status, latest.facility_id
    return PersonStatus.RELEASED, latest.facility_id


def _custody_conflict(
    episodes: list[CustodyEpisode], episode: CustodyEpisode | None, changes: dict, row: Row
) -> tuple[str, datetime.date] | None:
    """A person is in at most one custody at a time, and an open stay is their latest one."""
    admitted_on = row.admitted_on
    released_on = changes.get("released_on", episode.released_on) if episode else row.released_on
    others = [e for e in episodes if e is not episode]
    other_open = next((e for e in others if e.released_on is None), None)
    if released_on is None:
        if other_open is not None:
            return "two_open_episodes", other_open.admitted_on
        later = max((e.admitted_on for e in others if e.admitted_on > admitted_on), default=None)
        if later:
            return "open_not_latest", later
    elif other_open is not None and admitted_on > other_open.admitted_on:
        return "after_open", other_open.admitted_on
    return None


def _preview_row(line: int, values: dict, action: str) -> dict:
    def text(name: str) -> str:
        value = values.get(name, "")
        return value.isoformat() if isinstance(value, datetime.date) else str(value)[:120]

    national_id = normalize_identifier(text("national_id"))
    return {
        "line": line,
        "action": action,
        "name": " ".join(part for part in (text("given_name"), text("family_name")) if part),
        # Never the national ID in clear outside its encrypted column.
        "national_id": mask(national_id) if national_id else "",
        "reference": text("source_reference"),
        "facility": text("facility"),
        "admitted_on": text("admitted_on"),
        "released_on": text("released_on"),
    }


# Dry run and commit ------------------------------------------------------------------------------


class ImportRejected(Exception):
    """Some lines cannot be imported; nothing was written."""

    def __init__(self, outcome: Outcome):
        super().__init__(f"{outcome.error_count} errors")
        self.outcome = outcome


class AlreadyHandled(Exception):
    """Another run has committed this batch, or is committing it."""


class _RolledBack(Exception):
    def __init__(self, outcome: Outcome):
        super().__init__("dry run")
        self.outcome = outcome


def _no_progress(processed: int, total: int) -> None:
    return None


def _lock_administration(batch: ImportBatch) -> None:
    # One import at a time per administration, so two files never race to create the same person.
    # NO KEY UPDATE leaves other inserts that point at the administration free to proceed.
    Organization.objects.select_for_update(no_key=True).filter(pk=batch.administration_id).first()


def dry_run(batch: ImportBatch, *, progress: Callable[[int, int], None] = _no_progress) -> Outcome:
    """Everything the commit would do, written and then rolled back: the counts, preview and errors are
    exactly the commit's, database constraints included."""
    try:
        with transaction.atomic():
            _lock_administration(batch)
            outcome = _Run(batch, by=batch.uploaded_by, progress=progress).run()
            raise _RolledBack(outcome)
    except _RolledBack as done:
        return done.outcome


def commit(batch: ImportBatch, *, by: User, progress: Callable[[int, int], None] = _no_progress) -> Outcome:
    """All lines or none: one transaction, rolled back (ImportRejected) if any line is wrong now. The batch's
    final state and the access-log entry are written in the same transaction as the people."""
    with transaction.atomic():
        _lock_administration(batch)
        # Read after the lock: a task delivered twice waits for the first run, then finds the batch done.
        if not ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.IMPORTING).exists():
            raise AlreadyHandled
        outcome = _Run(batch, by=by, progress=progress).run()
        if outcome.error_count:
            raise ImportRejected(outcome)
        finish(batch, outcome, status=ImportBatch.Status.DONE)
        log_access(
            user=by,
            person=None,
            action=AccessAction.IMPORT,
            administration_id=batch.administration_id,
            detail=_access_detail(batch, outcome),
        )
    return outcome


def finish(batch: ImportBatch, outcome: Outcome, *, status: str) -> None:
    """Record a run's outcome on the batch."""
    batch.status = status
    batch.total_rows = outcome.total_rows
    batch.processed_rows = outcome.total_rows
    batch.created_people = outcome.created_people
    batch.updated_people = outcome.updated_people
    batch.created_episodes = outcome.created_episodes
    batch.unchanged_rows = outcome.unchanged_rows
    batch.error_count = outcome.error_count
    batch.errors = outcome.errors
    batch.preview = outcome.preview
    batch.finished_at = timezone.now()
    batch.save()


def _access_detail(batch: ImportBatch, outcome: Outcome) -> str:
    # Not translated: the access log is a record, read by auditors in any language.
    counts = (
        f"{outcome.total_rows} lines, {outcome.created_people} people created, "
        f"{outcome.updated_people} updated, {outcome.created_episodes} episodes"
    )
    return f"{batch.original_name[: 200 - len(counts) - 3]}: {counts}"
