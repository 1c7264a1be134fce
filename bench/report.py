"""The benchmark's one table (each figure, its baseline, the ratio), the targets it is held to, and the results
section of docs/performance.md that a run rewrites."""

import math
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

from bench.client import Result

START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


@dataclass
class Line:
    """One measured scenario at one concurrency, and what it is compared with."""

    name: str
    result: Result
    baseline_name: str = ""
    baseline: Result | None = None

    @property
    def ratio(self) -> str:
        """At 4 connections, how many times the baseline's p95 latency; at saturation, the share of its req/s."""
        if self.baseline is None:
            return ""
        if self.result.concurrency <= 4:
            base = self.baseline.percentile(0.95)
            return f"{self.result.percentile(0.95) / base:.1f}× p95" if base else ""
        base = self.baseline.per_second
        return f"{100 * self.result.per_second / base:.0f} % req/s" if base else ""


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f}"


def table(lines: list[Line]) -> str:
    header = (
        "| scenario | conn. | requests | p50 ms | p95 ms | p99 ms | req/s | errors "
        "| baseline | baseline p95 ms | baseline req/s | ratio |"
    )
    rows = [header, "|" + "---|" * 12]
    for line in lines:
        result, base = line.result, line.baseline
        rows.append(
            f"| {line.name} | {result.concurrency} | {result.count} | {_ms(result.percentile(0.5))} "
            f"| {_ms(result.percentile(0.95))} | {_ms(result.percentile(0.99))} | {result.per_second:,.0f} "
            f"| {result.errors} | {line.baseline_name} | {_ms(base.percentile(0.95)) if base else ''} "
            f"| {f'{base.per_second:,.0f}' if base else ''} | {line.ratio} |"
        )
    return "\n".join(rows)


@dataclass
class Target:
    what: str
    measured: str
    met: bool


@dataclass
class Section:
    """What a later capability's suite (bench/suites/) measured: its lines (in the one table), its targets, and a
    paragraph of figures that are not requests (rows ranked, PDFs rendered...)."""

    title: str
    lines: list[Line]
    targets: list[Target]
    text: str = ""


def targets_table(targets: list[Target]) -> str:
    rows = ["| target | measured | |", "|---|---|---|"]
    rows += [f"| {target.what} | {target.measured} | {'met' if target.met else '**missed**'} |" for target in targets]
    return "\n".join(rows)


def machine() -> str:
    cores = os.cpu_count()
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kilobytes = int(meminfo.readline().split()[1])
            memory = f"{kilobytes / 2**20:.1f} GiB memory"
    except OSError:
        pass
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    except OSError:
        pass
    return f"{cores} cores ({model}), {memory}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def write_results(path: Path, section: str) -> None:
    """Replace the results section of the document (between its markers), or start the document with it."""
    block = f"{START}\n{section.strip()}\n{END}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n\n"
    if START in text and END in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _match: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
