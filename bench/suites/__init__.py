"""The benchmark suites of later capabilities, run by `make bench` after the people scenarios, with the same
server. A suite is a module with `measure(arguments, base_url) -> bench.report.Section`: it prepares its own
data in the bench administration (once; again only if missing), measures through HTTP or in process as its
issue asks, each figure beside a baseline measured in the same run, and states its targets."""

from bench.suites import giving, work

SUITES: dict = {
    "work": work,
    "giving": giving,
}
