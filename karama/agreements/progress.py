"""What an agreement's commitments have delivered, counted from the records that point at them.

Later apps (training, work, ventures, support, giving, visits) register a counter that takes
a list of commitment ids and returns {commitment_id: quantity delivered}. Until they exist,
everything has delivered zero. Nothing is typed in by hand, so nothing can be inflated.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

DeliveryCounter = Callable[[list[int]], dict[int, int]]
_counters: dict[str, DeliveryCounter] = {}


def register_delivery_counter(name: str, counter: DeliveryCounter) -> None:
    """Add a source of delivered quantities. Call from the app's AppConfig.ready()."""
    _counters[name] = counter


def delivered_quantities(commitment_ids: Iterable[int]) -> dict[int, int]:
    ids = list(commitment_ids)
    totals: dict[int, int] = defaultdict(int)
    if not ids:
        return totals
    for counter in _counters.values():
        for commitment_id, quantity in counter(ids).items():
            totals[commitment_id] += quantity
    return totals


@dataclass(frozen=True)
class Progress:
    delivered: int
    target: int | None

    @property
    def percent(self) -> int | None:
        if not self.target:
            return None
        return min(100, round(100 * self.delivered / self.target))


def progress_of(commitments) -> dict[int, Progress]:
    commitments = list(commitments)
    delivered = delivered_quantities(c.pk for c in commitments)
    return {c.pk: Progress(delivered=delivered.get(c.pk, 0), target=c.target_quantity) for c in commitments}
