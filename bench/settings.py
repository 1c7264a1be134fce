"""Karama's settings with the benchmark URLconf: the application plus the bare baseline view.

Production code carries no benchmark endpoint; only a server started with this module serves one.
"""

from karama.settings import *  # noqa: F403 - the same settings, read from the same environment

ROOT_URLCONF = "bench.urls"
