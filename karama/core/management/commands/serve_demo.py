"""Print the demo logins, then serve the site with Django's development server and a task worker."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from karama.core.demo import OPERATOR_USERNAME, write_logins
from karama.core.models import User


class Command(BaseCommand):
    help = "Print the demonstration logins and serve the site on --host/--port (run load_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="don't start the background task worker")

    def handle(self, *args, **options):
        port = options["port"]
        # An IPv6 address is written in brackets in both a URL and runserver's address.
        host = f"[{options['host']}]" if ":" in options["host"] else options["host"]
        if not User.objects.filter(username=OPERATOR_USERNAME).exists():
            self.stderr.write("No demonstration data yet: run `python manage.py load_demo` first.")
        write_logins(self.stdout, url=f"http://{host}:{port}/")
        # Imports run as background tasks; the demo starts one worker beside the web server.
        worker = None if options["no_worker"] else _start_worker()
        try:
            # The auto-reloader would restart the process on file changes and print the banner twice;
            # a demonstration needs neither.
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)


def _start_worker() -> subprocess.Popen:
    manage = Path(settings.BASE_DIR) / "manage.py"
    return subprocess.Popen([sys.executable, str(manage), "db_worker", "--queue-name", "default", "--no-reload"])  # noqa: S603 (fixed arguments)
