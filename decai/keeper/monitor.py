"""A deployed model's health over time: accuracy on a public held-out set.

    monitor = Monitor(trainer, *load_heldout("heldout.csv", trainer), series="series.csv", max_drop=0.05)
    row = monitor.measure()          # one row, appended to the series
    monitor.check(row)               # an alert message, or None

Each measurement fixes one block and asks the contract for every
prediction at that block (`predict_batch` in batches where the model has
it, else one `predict` call per sample), so a row is exactly the model's
accuracy in that block. The row also records the number of contributions,
the deposits held and the reports made up to that block.

The series is a CSV file, appended to and read back on restart (the best
accuracy so far survives restarts). An alert is raised when the accuracy
falls more than `max_drop` below the best measured: one log line, a
webhook POST (JSON) if a URL is set, and, for `ape run monitor`, exit 1.
"""

from __future__ import annotations

import csv
import json
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from decai.errors import DecaiError

#: Samples per `predict_batch` call.
BATCH = 100


@dataclass(frozen=True)
class Row:
    timestamp: int
    block: int
    accuracy: float
    samples: int
    contributions: int
    deposits_held_wei: int
    reports: int


COLUMNS = [f.name for f in fields(Row)]


# -- pure rules -------------------------------------------------------------------------
def alert_message(best: float | None, accuracy: float, max_drop: float) -> str | None:
    """Why `accuracy` is alarming against the `best` so far, or None."""
    if best is None or best - accuracy <= max_drop + 1e-12:
        return None
    return f"accuracy {accuracy:.1%} is {best - accuracy:.1%} below its best {best:.1%} (allowed drop {max_drop:.1%})"


def measurement_due(now: int, last_time: int | None, every_s: int | None, additions: int, after: int | None) -> bool:
    """Whether to measure now: never measured, `every_s` seconds since the
    last row, or `after` additions since it."""
    if last_time is None:
        return True
    if every_s and now - last_time >= every_s:
        return True
    return bool(after) and additions >= after


def read_series(path: str | Path, flag: str = "--series") -> list[Row]:
    """The rows of a series file (refused, naming `flag`, if its columns are not a series')."""
    path = Path(path)
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            raise DecaiError(f"{flag} {path}: not a series file (expected columns {','.join(COLUMNS)})")
        return [
            Row(int(r["timestamp"]), int(r["block"]), float(r["accuracy"]), *(int(r[c]) for c in COLUMNS[3:]))
            for r in reader
        ]


# -- the held-out set -------------------------------------------------------------------
def load_heldout(path: str | Path, trainer, label_column: str = "label", text_column: str | None = None):
    """(samples, labels) of a held-out CSV, encoded with the trainer's encoder.

    Labels are the trainer's class names or their indices. For models over
    feature indices (encoder "indices"), the feature column holds the
    indices separated by spaces ("3 17 256").
    """
    from decai.data.datasets import TEXT, load_csv

    # A held-out set is for measuring, not training: a class with few rows is
    # no typo to refuse here (every label must still be one of the model's).
    dataset = load_csv(path, label_column=label_column, text_column=text_column, allow_small_classes=True)
    classes = trainer.classes
    mapping = {}
    for index, name in enumerate(dataset.classes):
        if name in classes:
            mapping[index] = classes.index(name)
        elif name.isdigit() and int(name) < len(classes):
            mapping[index] = int(name)
        else:
            raise DecaiError(
                f"{path}: label {name!r} is neither a class of the model ({', '.join(classes)}) nor its index"
            )
    encoder = trainer.encoder()
    samples = []
    for row, raw in enumerate(dataset.inputs, start=2):
        if dataset.kind == TEXT and encoder.spec == "indices":
            raw = raw.replace(",", " ").split()
        try:
            samples.append(trainer.check_sample(encoder.encode(raw)))
        except DecaiError as error:
            raise DecaiError(f"{path}: data row {row - 1}: {error}") from None
    return samples, [mapping[label] for label in dataset.labels]


# -- measuring on chain ------------------------------------------------------------------
def predictions_at(contract, samples: Sequence[Sequence[int]], block: int, batch: int = BATCH) -> list[int]:
    """The contract's predictions for `samples` in `block` (batched where it can)."""
    if hasattr(contract, "predict_batch"):
        out: list[int] = []
        for start in range(0, len(samples), batch):
            chunk = [list(s) for s in samples[start : start + batch]]
            out.extend(int(p) for p in contract.predict_batch(chunk, block_id=block))
        return out
    return [int(contract.predict(list(s), block_id=block)) for s in samples]


def accuracy_at(contract, samples, labels, block: int) -> float:
    predictions = predictions_at(contract, samples, block)
    return sum(p == y for p, y in zip(predictions, labels)) / len(labels)


class Monitor:
    """Measures one trainer's accuracy into a CSV series and raises alerts."""

    def __init__(
        self,
        trainer,
        samples: Sequence[Sequence[int]],
        labels: Sequence[int],
        *,
        series: str | Path | None = None,
        max_drop: float = 0.05,
        webhook: str | None = None,
        every_s: int | None = None,
        after_additions: int | None = None,
        log: Callable[[str], None] = print,
    ):
        if not samples:
            raise DecaiError("the held-out set is empty")
        if not 0 <= max_drop <= 1:
            raise DecaiError(f"--max-drop must be between 0 and 1, got {max_drop}")
        self.trainer = trainer
        self.samples = list(samples)
        self.labels = list(labels)
        self.path = Path(series) if series else None
        self.max_drop = max_drop
        self.webhook = webhook
        self.every_s = every_s
        self.after_additions = after_additions
        self.log = log
        self.rows: list[Row] = self._read() if self.path else []
        self._counted_to = self.trainer.deployment_block
        self._counts = {"AddData": 0, "reports": 0}

    def _read(self) -> list[Row]:
        return read_series(self.path) if self.path.exists() else []

    def _append(self, row: Row) -> None:
        self.rows.append(row)
        if self.path is None:
            return
        new = not self.path.exists()
        with self.path.open("a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            if new:
                writer.writeheader()
            writer.writerow(asdict(row))

    @property
    def best(self) -> float | None:
        return max((r.accuracy for r in self.rows), default=None)

    def _count_events(self, block: int) -> tuple[int, int]:
        """Contributions and reports up to `block` (counted incrementally)."""
        contract = self.trainer.contract
        report_event = "Report" if self.trainer.mechanism == "deposit" else "Reported"
        if block >= self._counted_to:
            start, stop = self._counted_to, block + 1
            self._counts["AddData"] += len(list(contract.AddData.range(start, stop)))
            if hasattr(contract, report_event):
                self._counts["reports"] += len(list(getattr(contract, report_event).range(start, stop)))
            self._counted_to = stop
        return self._counts["AddData"], self._counts["reports"]

    def measure(self, block: int | None = None) -> Row:
        """Measure at `block` (default: the head) and append the row."""
        from ape import chain

        block = int(chain.blocks.height) if block is None else block
        accuracy = accuracy_at(self.trainer.contract, self.samples, self.labels, block)
        contributions, reports = self._count_events(block)
        held = int(chain.provider.get_balance(self.trainer.address, block_id=hex(block)))
        row = Row(int(chain.blocks[block].timestamp), block, accuracy, len(self.labels), contributions, held, reports)
        self._append(row)
        return row

    def due(self) -> bool:
        from ape import chain

        last = self.rows[-1] if self.rows else None
        head = chain.blocks.head
        additions = self._count_events(int(head.number))[0] - (last.contributions if last else 0)
        return measurement_due(
            int(head.timestamp), last.timestamp if last else None, self.every_s, additions, self.after_additions
        )

    def check(self, row: Row) -> str | None:
        """The alert for `row` against the best before it (logged and posted), or None."""
        best = max((r.accuracy for r in self.rows if r is not row), default=None)
        message = alert_message(best, row.accuracy, self.max_drop)
        if message is None:
            return None
        self.log(f"alert: {self.trainer.address} at block {row.block}: {message}")
        if self.webhook:
            self._post({"trainer": self.trainer.address, "message": message, "best": best, **asdict(row)})
        return message

    def _post(self, payload: dict[str, Any]) -> None:
        request = urllib.request.Request(
            self.webhook, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except OSError as error:
            self.log(f"warning: the webhook {self.webhook} did not take the alert: {error}")

    def describe(self, row: Row) -> str:
        from decai.units import format_ether

        return (
            f"block {row.block}: accuracy {row.accuracy:.1%} on {row.samples} samples, "
            f"{row.contributions} contributions, {format_ether(row.deposits_held_wei)} held, {row.reports} reports"
        )
