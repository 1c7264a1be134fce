"""`make bench`: the application at national scale, served by its production server and measured over HTTP,
beside the machine's own limits measured in the same run.

1. PostgreSQL (DATABASE_URL): the database is created if missing and migrated; the national data is generated
   once (again only if missing or written under other field keys).
2. gunicorn serves bench.settings (Karama plus the bare view) with production settings, sync workers = cores.
3. Each scenario runs at 4 connections (latency) and 32 (saturation), bounded in requests and seconds; the
   baselines are the raw-SQL search through psycopg and the bare one-row view, measured just before.
4. The import of a large CSV runs in a process of its own once the server is stopped.
5. One table is printed and written, with the targets, into docs/performance.md.
"""

import asyncio
import contextlib
import datetime
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.report import Line, Section, Target, machine, table, targets_table, write_results

ROOT = Path(__file__).resolve().parent.parent
LATENCY_CONNECTIONS = 4
SATURATION_CONNECTIONS = 32
LATENCY_REQUESTS = 600


def main(arguments) -> None:
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/karama_bench")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("make bench needs PostgreSQL: set DATABASE_URL=postgres://… (the default is karama_bench).")
    folder = (ROOT / arguments.folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    env = production_env(database_url, field_key(folder), folder)
    prepare_database(database_url, env)
    generator_output = ensure_data(arguments, env, folder)
    os.environ.update(env)
    import django

    django.setup()
    lines, sections = measure_http(arguments, env)
    figures = measure_import(arguments, env) if arguments.import_rows else None
    section = results_section(arguments, lines, figures, generator_output, sections)
    print(section)
    write_results(ROOT / arguments.output, section)
    (folder / "results.json").write_text(
        json.dumps(_raw(lines + [line for section in sections for line in section.lines], figures), indent=1),
        encoding="utf-8",
    )


# The environment ----------------------------------------------------------------------------------------------


def field_key(folder: Path) -> str:
    """The Fernet key the data is encrypted under, kept beside the data's other bench files between runs."""
    path = folder / "field-key"
    if not path.exists():
        from cryptography.fernet import Fernet

        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


def production_env(database_url: str, key: str, folder: Path) -> dict[str, str]:
    return os.environ | {
        "KARAMA_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "KARAMA_FIELD_KEY": key,
        # The sandbox provider's signing secret (production refuses the demo one); the giving suite signs with it.
        "GIVING_SANDBOX_SECRET": secrets.token_urlsafe(48),
        # Plain http on the loopback; production terminates TLS in front of gunicorn.
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "KARAMA_VAR_DIR": str(folder),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    print("$", shlex.join(command[1:]), flush=True)
    done = subprocess.run(command, env=env, cwd=ROOT, check=True, text=True, capture_output=capture)
    return done.stdout or ""


def prepare_database(database_url: str, env: dict[str, str]) -> None:
    url = urlsplit(database_url)
    name = url.path.lstrip("/")
    options = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    listed = subprocess.run(
        ["psql", *options, "-Atc", "SELECT datname FROM pg_database"], capture_output=True, text=True
    )
    if name not in listed.stdout.split():
        print("$ createdb", name, flush=True)
        subprocess.run(["createdb", *options, name], check=True)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "-v", "0")


def ensure_data(arguments, env: dict[str, str], folder: Path) -> str:
    """Generate the national data unless it is there and readable with this run's field key. Returns the
    generator's report (of this run, or of the run that generated the data)."""
    saved = folder / "generator.txt"
    check = (
        "from bench.generate import existing_people, bench_administration;"
        "from karama.people.models import Person; from karama.core.crypto import decrypt;"
        "a = bench_administration();"
        "p = a and Person.objects.filter(administration=a).exclude(national_id_encrypted='').first();"
        "p and decrypt(p.national_id_encrypted);"
        "print(existing_people())"
    )
    readable = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", check],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    present = readable.returncode == 0 and readable.stdout.strip().splitlines()[-1:] == [str(arguments.people)]
    if present:
        return saved.read_text(encoding="utf-8") if saved.exists() else ""
    force = ["--force"] if readable.returncode != 0 else []
    output = manage(
        env, "generate_national", "--people", str(arguments.people), "--seed", str(arguments.seed), *force, capture=True
    )
    print(output, flush=True)
    saved.write_text(output, encoding="utf-8")
    return output


# Serving and measuring -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int):
    workers = os.cpu_count() or 2
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "karama.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--threads",
        "1",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    print("$", shlex.join(command), flush=True)
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_up(base_url, server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(base_url: str, server: subprocess.Popen) -> None:
    from bench.client import Connection

    async def probe() -> int:
        connection = Connection("127.0.0.1", urlsplit(base_url).port)
        try:
            status, _body = await connection.get("/en/accounts/login/")
            return status
        finally:
            await connection.close()

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn stopped while starting; see its output above.")
        with contextlib.suppress(OSError):
            if asyncio.run(probe()) == 200:
                return
        time.sleep(0.3)
    sys.exit("gunicorn did not answer within a minute.")


def measure_http(arguments, env: dict[str, str]) -> tuple[list[Line], list[Section]]:
    """Each scenario at 4 and then 32 connections, each time right after its baseline at the same concurrency:
    back to back, so that whatever else the machine does weighs on both."""
    from bench import scenarios

    users = scenarios.bench_users()
    cookies = {user.username: scenarios.session_cookie(user) for user in (users.staff, users.partner, users.admin)}
    plan = [scenario for scenario in scenarios.build_scenarios(users) if arguments.only in scenario.name]
    lines: list[Line] = []
    with gunicorn(env, arguments.port) as base_url:
        loads = baseline_loads(base_url, users)
        for load in loads.values():
            _warm(load)
        for scenario in plan:
            headers = {"Cookie": f"sessionid={cookies[scenario.username]}"}
            load = _page_load(base_url, scenario.paths, headers)
            _warm(load)
            for connections, requests in _phases(arguments):
                wait_for_quiet(arguments.quiet)
                base = _measure(loads[scenario.baseline], connections, requests, arguments.seconds)
                result = _measure(load, connections, requests, arguments.seconds)
                lines.append(Line(scenario.name, result, BASELINE_NAMES[scenario.baseline], base))
            print(f"  {scenario.name}: done", flush=True)
        sections = run_suites(arguments, base_url)
    return lines, sections


def run_suites(arguments, base_url: str) -> list[Section]:
    """The suites of later capabilities (bench/suites/), each with the server up: a suite prepares its own data
    (once, in the bench administration), measures, and returns its section. `--only` selects by suite name too."""
    from bench.suites import SUITES

    sections = []
    for name, suite in SUITES.items():
        if arguments.only and arguments.only not in name:
            continue
        wait_for_quiet(arguments.quiet)
        print(f"  suite {name}", flush=True)
        sections.append(suite.measure(arguments, base_url))
    return sections


def _phases(arguments) -> list[tuple[int, int]]:
    return [
        (LATENCY_CONNECTIONS, min(LATENCY_REQUESTS, arguments.requests)),
        (SATURATION_CONNECTIONS, arguments.requests),
    ]


def _page_load(base_url: str, paths: list[str], headers: dict | None = None):
    from bench.client import http_load

    return lambda **bounds: http_load(base_url, paths, headers=headers, **bounds)


def baseline_loads(base_url: str, users) -> dict:
    from bench import scenarios
    from bench.baseline import search_statement, sql_load

    staff = [search_statement(query, facility=users.staff.facility_id) for query in scenarios.SEARCHES]
    partner = [search_statement(query, organization=users.partner.organization_id) for query in scenarios.SEARCHES]
    return {
        "bare": _page_load(base_url, scenarios.bare_paths(users)),
        "sql-staff": lambda **bounds: sql_load(staff, **bounds),
        "sql-partner": lambda **bounds: sql_load(partner, **bounds),
    }


def _warm(load) -> None:
    asyncio.run(load(concurrency=2, requests=20, seconds=10))


def _measure(load, connections: int, requests: int, seconds: float):
    return asyncio.run(load(concurrency=connections, requests=requests, seconds=seconds))


def wait_for_quiet(limit: float, patience: float = 60.0) -> None:
    """Wait (a minute at most) until the machine is nearly idle while we are: other work on it would weigh
    on the measurement. Idle is under `limit` of all cores busy over two seconds, read from /proc/stat."""
    deadline = time.monotonic() + patience
    busy = busy_share()
    while busy > limit and time.monotonic() < deadline:
        busy = busy_share()
    LOAD_SEEN.append(busy)


def busy_share(seconds: float = 2.0) -> float:
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            values = [int(value) for value in stat.readline().split()[1:]]
        idle = values[3] + values[4]  # idle and iowait
        return sum(values) - idle, sum(values)

    try:
        busy_before, total_before = sample()
        time.sleep(seconds)
        busy_after, total_after = sample()
    except OSError:
        return 0.0
    return (busy_after - busy_before) / max(total_after - total_before, 1)


LOAD_SEEN: list[float] = []


BASELINE_NAMES = {
    "bare": "bare view, one row as JSON",
    "sql-staff": "raw SQL search, facility scope",
    "sql-partner": "raw SQL search, consent scope",
}


def measure_import(arguments, env: dict[str, str]) -> dict:
    """The import in a process of its own (its memory is its own), tasks run at once, after the server stopped."""
    command = [
        sys.executable,
        "-m",
        "bench",
        "import",
        "--rows",
        str(arguments.import_rows),
        "--folder",
        arguments.folder,
    ]
    print("$", shlex.join(command[1:]), flush=True)
    env = env | {
        "KARAMA_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "DJANGO_SETTINGS_MODULE": "karama.settings",
    }
    done = subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# Reporting -----------------------------------------------------------------------------------------------------


def results_section(
    arguments, lines: list[Line], figures: dict | None, generator_output: str, sections: list[Section] = ()
) -> str:
    generated = generator_output.strip().splitlines()[-1] if generator_output.strip() else "(not recorded)"
    targets = evaluate(lines, figures, generator_output)
    suites = []
    for section in sections:
        suites += [f"### {section.title}", "", table(section.lines) if section.lines else "", "", section.text, ""]
        targets += section.targets
    return "\n".join(
        [
            f"Measured {datetime.date.today().isoformat()} on {machine()}.",
            "",
            f"Other work on the machine just before each measurement: {100 * min(LOAD_SEEN, default=0):.0f}–"
            f"{100 * max(LOAD_SEEN, default=0):.0f} % of the CPU busy (each waited, a minute at most, for less "
            f"than {100 * arguments.quiet:.0f} %).",
            "",
            f"Command: `make bench` (`python -m bench run --people {arguments.people} --seconds {arguments.seconds:g} "
            f"--requests {arguments.requests}`), PostgreSQL {_postgres_version()}, gunicorn sync workers = "
            f"{os.cpu_count()}, production settings. Ratio: at 4 connections the page's p95 over the baseline's; "
            "at 32, the page's requests per second as a share of the baseline's.",
            "",
            table(lines),
            "",
            _import_text(figures),
            "",
            f"Generator: {generated}",
            "",
            *suites,
            targets_table(targets),
        ]
    )


def _import_rates(figures: dict) -> tuple[float, float, float]:
    """Lines per second of the upload and dry run, of the commit, and of both together."""
    rows, checked, committed = figures["rows"], figures["upload_and_dry_run_seconds"], figures["commit_seconds"]
    return (
        rows / checked if checked else 0.0,
        rows / committed if committed else 0.0,
        rows / (checked + committed) if checked + committed else 0.0,
    )


def _import_text(figures: dict | None) -> str:
    if figures is None:
        return "Import: not run (--import-rows 0)."
    checked, committed, both = _import_rates(figures)
    return (
        f"Import of {figures['rows']:,} CSV lines (status {figures['status']}, {figures['errors']} errors): "
        f"upload and dry run {figures['upload_and_dry_run_seconds']:.1f} s ({checked:,.0f} lines/s), "
        f"commit {figures['commit_seconds']:.1f} s ({committed:,.0f} lines/s), end to end {both:,.0f} lines/s; "
        f"resident memory {figures['rss_before_mb']:.0f} MB before, peak {figures['rss_peak_mb']:.0f} MB, "
        f"in MB by tenths of the commit {figures['rss_during_commit_mb']}."
    )


LATENCY_TARGETS = (
    ("search, facility staff", 50),
    ("search, partner staff", 50),
    ("person page", 30),
    ("person API", 30),
    ("release work list", 100),
)
THROUGHPUT_TARGETS = ("search, facility staff", "search, partner staff", "person page", "person API")


def evaluate(lines: list[Line], figures: dict | None, generator_output: str) -> list[Target]:
    def line(name: str, connections: int) -> Line | None:
        return next((item for item in lines if item.name == name and item.result.concurrency == connections), None)

    targets = []
    for name, limit in LATENCY_TARGETS:
        if found := line(name, LATENCY_CONNECTIONS):
            p95 = found.result.percentile(0.95)
            targets.append(Target(f"{name}: p95 ≤ {limit} ms at 4 connections", f"{p95:.1f} ms", p95 <= limit))
    errors = sum(item.result.errors for item in lines if item.result.concurrency == SATURATION_CONNECTIONS)
    targets.append(Target("no errors at 32 connections", f"{errors} errors", errors == 0))
    for name in THROUGHPUT_TARGETS:
        found = line(name, SATURATION_CONNECTIONS)
        if found and found.baseline and found.baseline.per_second:
            share = found.result.per_second / found.baseline.per_second
            targets.append(
                Target(
                    f"{name}: ≥ 50 % of its baseline's req/s at 32 connections", f"{100 * share:.0f} %", share >= 0.5
                )
            )
    if figures is not None:
        _checked, committed, both = _import_rates(figures)
        targets.append(Target("import commit ≥ 5,000 lines/s", f"{committed:,.0f} lines/s", committed >= 5000))
        targets.append(
            Target("import end to end (dry run + commit) ≥ 5,000 lines/s", f"{both:,.0f} lines/s", both >= 5000)
        )
    rate = _generator_rate(generator_output)
    targets.append(Target("generator ≥ 20,000 rows/s", f"{rate:,.0f} rows/s", rate >= 20000))
    return targets


def _generator_rate(output: str) -> float:
    found = re.search(r"([\d,]+) rows/s", output)
    return float(found.group(1).replace(",", "")) if found else 0.0


def _postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def _raw(lines: list[Line], figures: dict) -> dict:
    return {
        "http": [
            {
                "name": line.name,
                "connections": line.result.concurrency,
                "count": line.result.count,
                "errors": line.result.errors,
                "first_error": line.result.first_error,
                "p50": line.result.percentile(0.5),
                "p95": line.result.percentile(0.95),
                "p99": line.result.percentile(0.99),
                "per_second": line.result.per_second,
            }
            for line in lines
        ],
        "import": figures,
    }
