"""`python -m bench run` measures everything (what `make bench` calls); `python -m bench import` runs only the
import scenario and prints its figures as JSON (the run starts it in a process of its own)."""

import argparse
import json
import os
from dataclasses import asdict
from pathlib import Path


def _setup(settings_module: str = "karama.settings") -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    django.setup()


def _import(arguments: argparse.Namespace) -> None:
    _setup()
    from bench.importing import measure

    folder = Path(arguments.folder)
    folder.mkdir(parents=True, exist_ok=True)
    figures = measure(arguments.rows, arguments.seed, folder)
    print(json.dumps(asdict(figures), ensure_ascii=False))


def _run(arguments: argparse.Namespace) -> None:
    from bench.run import main

    main(arguments)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="generate if needed, serve with gunicorn, measure, report")
    run.add_argument("--people", type=int, default=250_000)
    run.add_argument("--seed", type=int, default=7)
    run.add_argument("--import-rows", type=int, default=250_000, help="0 skips the import")
    run.add_argument("--seconds", type=float, default=20.0, help="time bound of each measurement")
    run.add_argument("--requests", type=int, default=3000, help="request bound of each measurement")
    run.add_argument("--quiet", type=float, default=0.15, help="wait until less than this share of the CPU is busy")
    run.add_argument("--only", default="", help="only the scenarios whose name contains this")
    run.add_argument("--port", type=int, default=8731)
    run.add_argument("--output", default="docs/performance.md")
    run.add_argument("--folder", default="var/bench")
    run.set_defaults(handler=_run)
    import_only = commands.add_parser("import", help="only the import scenario, figures as JSON")
    import_only.add_argument("--rows", type=int, default=250_000)
    import_only.add_argument("--seed", type=int, default=11)
    import_only.add_argument("--folder", default="var/bench")
    import_only.set_defaults(handler=_import)
    arguments = parser.parse_args()
    arguments.handler(arguments)


if __name__ == "__main__":
    main()
