"""Take a trainer's crowd-sourced data set home: every contribution, from events.

Every sample anyone added is public in an `AddData` event; every refund and
report is a `Refund` or `Report` event that names the contribution's key.
`export_dataset` reads all three kinds of event in one `eth_getLogs` call
per page of blocks (halving the page when a node refuses a range as too
large), joins them by contribution key, and writes one row per
contribution:

  key             keccak256(abi_encode(data, label, added_time, author))
  block_number    block of the AddData event
  block_hash      that block's hash (the chain the row rests on)
  transaction_hash
  sender          the contribution's author
  added_time      block timestamp (seconds), as the contract records it
  time            the same in ISO 8601, UTC
  label           the label given (class index)
  label_name      the model's name for that class
  sample          the sample as the contract took it (feature indices, or
                  fixed-point values with 10**9 = 1.0); JSON list in CSV
  tokens          the words a text sample stands for, when the encoder can
                  be inverted (the vocabulary encoder); empty otherwise
  raw             the contributor's own input (the text, or the numbers as
                  a JSON list) where the raw-input store knows it
                  (decai.data.raw_inputs); empty otherwise
  deposit         wei left as deposit
  claimable       wei still held for it
  refunded        whether its author was refunded
  claim_count     refunds and reports made on it
  refunded_amount wei paid back to the author
  taken_amount    wei paid to reporters and sweepers
  burned_amount   wei their takes burned (half of a take made while the
                  model rejected the sample)
  in_model        whether the sample still counts in the model: false once
                  a take forgot it (a deposit trainer whose model forgets,
                  naive Bayes, removes a sample at its first take while the
                  model rejects it; the take burns part of the deposit)

A points trainer moves no ether: its amounts are 0, `refunded` says that
the author's point was awarded (its `PointAwarded` event: the points
mechanism's refund) and `claim_count` counts that and the `Reported`
events.

An export rests on the hash of its last block (`Dataset.stop_block_hash`,
in a Parquet file's metadata). A reorg during the export is caught: after
the last page, the last block must still have that hash and every event of
the last `REORG_WINDOW` blocks must still be in the block it was read from;
otherwise the export reads again (at most `READ_ATTEMPTS` times), so it never
holds a sample from an orphaned block nor misses one of the new chain.

The claim status is that of the last exported block (from the events), or
the current one read from the contract's `contribution(key)` view with
`status_from="view"`. Files are written to a temporary name in the same
folder and renamed at the end, so a failed export leaves nothing behind.
CSV always works; Parquet needs `pyarrow`.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from decai.chain.export_events import (  # noqa: F401 - iterate_pages: the export API
    ClaimState,
    iterate_pages,
    read_settled,
)
from decai.core.contributions import Contribution
from decai.core.mechanisms import take_forgets
from decai.errors import DecaiError

COLUMNS = [
    "key",
    "block_number",
    "block_hash",
    "transaction_hash",
    "sender",
    "added_time",
    "time",
    "label",
    "label_name",
    "sample",
    "tokens",
    "raw",
    "deposit",
    "claimable",
    "refunded",
    "claim_count",
    "refunded_amount",
    "taken_amount",
    "burned_amount",
    "in_model",
]
#: Blocks per eth_getLogs request to start with (halved on refusal).
DEFAULT_PAGE_SIZE = 5_000
FORMATS = ("csv", "parquet")


@dataclass
class Dataset:
    """A trainer's contributions between two blocks, with their claim status."""

    trainer: str
    start_block: int
    stop_block: int  # inclusive
    rows: list[dict[str, Any]] = field(default_factory=list)
    #: Hash of `stop_block` when the events were read.
    stop_block_hash: str | None = None
    #: Why samples were not decoded to tokens (None when they were, or the encoder has no words).
    tokens_note: str | None = None

    @property
    def senders(self) -> set[str]:
        return {row["sender"] for row in self.rows}


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    format: str
    rows: int
    start_block: int
    stop_block: int
    senders: int
    tokens_note: str | None


def reconstruct(
    trainer,
    *,
    start_block: int | None = None,
    stop_block: int | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    status_from: str = "events",
    progress: bool = True,
) -> Dataset:
    """Every contribution to `trainer` (a decai.chain.trainer.Trainer) with its claim status.

    Blocks `start_block` (default: the recorded deployment block, else 0)
    to `stop_block` inclusive (default: the head when the export starts).
    """
    from ape import chain

    if status_from not in ("events", "view"):
        raise DecaiError("status_from is 'events' or 'view'")
    start = trainer.deployment_block if start_block is None else int(start_block)
    stop = chain.blocks.head.number if stop_block is None else int(stop_block)
    if start < 0 or stop < start:
        raise DecaiError(f"no blocks to read from {start} to {stop}")

    stop_hash, added, claims, block_hashes = read_settled(trainer, start, stop, page_size, progress)
    decode, note = _token_decoder(trainer)
    classes = trainer.classes
    from decai.data.raw_inputs import known_entries

    raw_inputs = known_entries(trainer.contract.address)
    dataset = Dataset(trainer.contract.address, start, stop, stop_block_hash=stop_hash, tokens_note=note)
    forgets = trainer.forgets_taken
    for contribution in added:
        key = contribution.key
        # A take burned part of the deposit only if the model rejected the
        # sample, and then no take before it took everything: it was the first.
        forgotten = take_forgets(forgets, True, claims.get(key, ClaimState()).burned_amount)
        if status_from == "view":
            status = trainer.status(contribution)
            state = ClaimState(status.refunded, status.claim_count)
            claimable = status.claimable
            state.refunded_amount = state.taken_amount = state.burned_amount = None  # not in the view
        else:
            state = claims.get(key, ClaimState())
            claimable = contribution.deposit - state.refunded_amount - state.taken_amount - state.burned_amount
        dataset.rows.append(
            {
                "key": "0x" + key.hex(),
                "block_number": contribution.block_number,
                "block_hash": block_hashes.get(key),
                "transaction_hash": contribution.transaction_hash,
                "sender": contribution.author,
                "added_time": contribution.added_time,
                "time": datetime.fromtimestamp(contribution.added_time, timezone.utc)
                .isoformat()
                .replace("+00:00", "Z"),
                "label": contribution.label,
                "label_name": classes[contribution.label] if contribution.label < len(classes) else None,
                "sample": list(contribution.data),
                "tokens": decode(contribution.data) if decode else None,
                "raw": _raw(raw_inputs, contribution),
                "deposit": contribution.deposit,
                "claimable": claimable,
                "refunded": state.refunded,
                "claim_count": state.claim_count,
                "refunded_amount": state.refunded_amount,
                "taken_amount": state.taken_amount,
                "burned_amount": state.burned_amount,
                "in_model": not forgotten,
            }
        )
    return dataset


def _raw(raw_inputs: dict, contribution: Contribution) -> str | None:
    entry = raw_inputs.get(str(contribution.transaction_hash).lower())
    return entry.raw_text() if entry is not None and entry.sample == tuple(contribution.data) else None


def _token_decoder(trainer) -> tuple[Callable[[Iterable[int]], list[str]] | None, str | None]:
    """The vocabulary's `decode` if the trainer's encoder has one, and a note if not."""
    spec = str(trainer.contract.encoder())
    if not spec.startswith("bow:"):
        note = "hashed features cannot be turned back into words" if spec.startswith("hash:") else None
        return None, note
    try:
        encoder = trainer.encoder()
    except DecaiError as error:
        return None, f"samples not decoded to words: {error} (pass the model file)"
    return encoder.decode, None


# -- writing -------------------------------------------------------------------


#: The file name endings of each format.
SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def check_output(path: Path) -> Path:
    """Refuse, before any event is read, an output that cannot be written:
    a folder, or a folder that does not exist."""
    if path.is_dir():
        raise DecaiError(f"--output {path}: is a folder; give a file name ending in .csv or .parquet")
    if not path.parent.is_dir():
        raise DecaiError(f"--output {path}: folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise DecaiError(f"--output {path}: folder {path.parent} is not writable")
    return path


def format_for(path: Path, format: str | None) -> str:
    """The format of `path`: given, or from its ending (.csv; .parquet or
    .pq). Any other ending is refused, and so is a format the ending contradicts."""
    implied = SUFFIXES.get(path.suffix.lower())
    if format is None:
        if implied is None:
            raise DecaiError(
                f"--output {path}: unknown file type {path.suffix or '(no ending)'!r}; end the name in .csv or .parquet"
            )
        format = implied
    if format not in FORMATS:
        raise DecaiError(f"unknown format {format!r}: use csv or parquet")
    if implied is not None and implied != format:
        raise DecaiError(f"--output {path}: the name says {implied}, but --format says {format}")
    if format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise DecaiError("writing Parquet needs pyarrow (pip install pyarrow); CSV works without it") from None
    return format


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, renamed when complete."""
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_csv(dataset: Dataset, path: Path) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for row in dataset.rows:
                writer.writerow([_csv_value(row[column]) for column in COLUMNS])

    _atomic(path, write)


def write_parquet(dataset: Dataset, path: Path) -> None:
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    wei = pa.decimal128(38, 0)  # amounts in wei reach 2**96, beyond int64
    rows = dataset.rows

    def column(name):
        return [row[name] for row in rows]

    def amounts(name):
        return pa.array([None if v is None else Decimal(v) for v in column(name)], wei)

    table = pa.table(
        {
            "key": pa.array(column("key"), pa.string()),
            "block_number": pa.array(column("block_number"), pa.int64()),
            "block_hash": pa.array(column("block_hash"), pa.string()),
            "transaction_hash": pa.array(column("transaction_hash"), pa.string()),
            "sender": pa.array(column("sender"), pa.string()),
            "added_time": pa.array(column("added_time"), pa.int64()),
            "time": pa.array([row["added_time"] for row in rows], pa.timestamp("s", tz="UTC")),
            "label": pa.array(column("label"), pa.int64()),
            "label_name": pa.array(column("label_name"), pa.string()),
            "sample": pa.array(column("sample"), pa.list_(pa.int64())),
            "tokens": pa.array(column("tokens"), pa.list_(pa.string())),
            "raw": pa.array(column("raw"), pa.string()),
            "deposit": amounts("deposit"),
            "claimable": amounts("claimable"),
            "refunded": pa.array(column("refunded"), pa.bool_()),
            "claim_count": pa.array(column("claim_count"), pa.int64()),
            "refunded_amount": amounts("refunded_amount"),
            "taken_amount": amounts("taken_amount"),
            "burned_amount": amounts("burned_amount"),
            "in_model": pa.array(column("in_model"), pa.bool_()),
        }
    )
    metadata = {
        b"decai.trainer": dataset.trainer.encode(),
        b"decai.blocks": f"{dataset.start_block}-{dataset.stop_block}".encode(),
        b"decai.stop_block_hash": (dataset.stop_block_hash or "").encode(),
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    _atomic(path, lambda tmp: pq.write_table(table, tmp))


def export_dataset(
    trainer,
    path: str | Path,
    *,
    format: str | None = None,
    start_block: int | None = None,
    stop_block: int | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    status_from: str = "events",
    progress: bool = True,
) -> ExportSummary:
    """Reconstruct `trainer`'s data set and write it to `path` (CSV or Parquet).

    The format follows the suffix (.parquet/.pq for Parquet) unless given.
    """
    path = check_output(Path(path))
    format = format_for(path, format)  # fail before reading a single block
    dataset = reconstruct(
        trainer,
        start_block=start_block,
        stop_block=stop_block,
        page_size=page_size,
        status_from=status_from,
        progress=progress,
    )
    (write_parquet if format == "parquet" else write_csv)(dataset, path)
    return ExportSummary(
        path,
        format,
        len(dataset.rows),
        dataset.start_block,
        dataset.stop_block,
        len(dataset.senders),
        dataset.tokens_note,
    )


# -- reading a CSV export back -----------------------------------------------------


def read_csv(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a CSV export with their types restored (lists, ints, booleans)."""
    ints = {
        "block_number",
        "added_time",
        "label",
        "deposit",
        "claimable",
        "claim_count",
        "refunded_amount",
        "taken_amount",
        "burned_amount",
    }
    rows = []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for raw in csv.DictReader(handle):
            row: dict[str, Any] = {}
            for name, value in raw.items():
                if name in ("sample", "tokens"):
                    row[name] = json.loads(value) if value else None
                elif name in ints:
                    row[name] = int(value) if value != "" else None
                elif name in ("refunded", "in_model"):
                    row[name] = value == "true"
                elif name == "raw":
                    row[name] = value or None
                else:
                    row[name] = value
            rows.append(row)
    return rows
