"""The contributors' own data: the raw input behind each on-chain sample.

A contribution on chain holds only the encoded sample (feature indices of
the words a text used, or fixed-point values scaled to unit length), from
which the sentence someone typed, or the numbers they measured, cannot be
recovered. Whatever sends a contribution from raw input (the dashboard,
`ape run add_data --text/--values`, `Trainer.add_data(..., raw=...)`) keeps
that input here, off chain, keyed by the transaction that added it.

The store is one JSON Lines file per network, beside the deployment
records: `<records folder>/raw-inputs/<ecosystem>_<network>.jsonl`
(`$DECAI_RAW_INPUTS` moves the folder, as `$DECAI_DEPLOYMENTS` moves the
records). Each line is one entry:

    {"transaction": "0x…", "trainer": "0x…", "raw": "a great film", "sample": [3, 17],
     "label": 1, "author": "0x…"}

`raw` is the text (text encoders: bag of words, hashing) or the list of
numbers (every other encoder). The file is the exchange format too: share
it, or the `raw` column of `ape run export` and of the dashboard's CSV, and
import someone else's with `ape run raw_inputs import` or the dashboard.

Nothing enters the store unchecked (`verify`): the entry's transaction must
hold the trainer's `AddData` event, and the trainer's own encoder (the
encoder spec and parameters of its deployment record or model file) must
turn the raw input into exactly the sample of that event. Sample, label and
author are then taken from the event, never from the file. A file with one
bad entry is refused as a whole, with `file:line: why`, and nothing is
written; the store itself is rewritten through a temporary file.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from decai.errors import DecaiError

#: Encoder spec heads whose raw input is text; every other encoder takes numbers.
TEXT_ENCODERS = ("bow", "hash")
_TX = re.compile(r"0x[0-9a-fA-F]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def store_dir() -> Path:
    """The folder of the stores: $DECAI_RAW_INPUTS, or `raw-inputs` in the records folder."""
    from decai.chain.records import records_dir

    configured = os.environ.get("DECAI_RAW_INPUTS")
    return Path(configured) if configured else records_dir() / "raw-inputs"


def store_path(ecosystem: str, network: str) -> Path:
    return store_dir() / f"{ecosystem}_{network.replace('-', '_')}.jsonl"


def takes_text(encoder_spec: str) -> bool:
    return str(encoder_spec).split(":", 1)[0] in TEXT_ENCODERS


@dataclass(frozen=True)
class RawInput:
    """One contribution's raw input, as verified against its transaction."""

    transaction: str  # 0x and 64 lower-case hex digits
    trainer: str  # checksummed
    raw: str | tuple[float, ...]
    sample: tuple[int, ...]
    label: int
    author: str

    def to_json(self) -> dict[str, Any]:
        raw = self.raw if isinstance(self.raw, str) else list(self.raw)
        return {
            "transaction": self.transaction,
            "trainer": self.trainer,
            "raw": raw,
            "sample": list(self.sample),
            "label": self.label,
            "author": self.author,
        }

    def raw_text(self) -> str:
        """The raw input in one string: the text, or the numbers as a JSON list."""
        return self.raw if isinstance(self.raw, str) else json.dumps(list(self.raw))


@dataclass(frozen=True)
class Claim:
    """An entry read from a file, not yet checked against the chain."""

    where: str  # "file:line" for error messages ("" when the input comes from no file)
    transaction: str
    trainer: str
    raw: str | tuple[float, ...]


# -- reading entries -------------------------------------------------------------


def _raw_value(where: str, value: Any) -> str | tuple[float, ...]:
    if isinstance(value, str):
        if not value.strip():
            raise DecaiError(f"{where}: 'raw' is empty")
        return value
    if isinstance(value, list) and value:
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
            return tuple(float(v) for v in value)
    raise DecaiError(f"{where}: 'raw' must be the text, or a list of finite numbers")


def _transaction(where: str, value: Any) -> str:
    if not isinstance(value, str) or not _TX.fullmatch(value.strip()):
        raise DecaiError(f"{where}: {value!r} is not a transaction hash (0x and 64 hex digits)")
    return value.strip().lower()


def _address(where: str, name: str, value: Any) -> str:
    from eth_utils import to_checksum_address

    if not isinstance(value, str) or not _ADDRESS.fullmatch(value.strip()):
        raise DecaiError(f"{where}: {name} {value!r} is not an address (0x and 40 hex digits)")
    return to_checksum_address(value.strip())


def claims_from_jsonl(path: str | Path, text: str | None = None, trainer: str | None = None) -> list[Claim]:
    """The entries of a store file (`trainer`: for lines that name none)."""
    claims = []
    for where, value in _objects(path, text):
        if "raw" not in value:
            raise DecaiError(f"{where}: no 'raw' field")
        address = value.get("trainer") or trainer
        if address is None:
            raise DecaiError(f"{where}: no 'trainer' field (give the trainer)")
        claims.append(
            Claim(
                where,
                _transaction(where, value.get("transaction")),
                _address(where, "trainer", address),
                _raw_value(where, value["raw"]),
            )
        )
    return claims


def _objects(path: str | Path, text: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(file:line, object) for each entry of a store file."""
    from decai.data.files import read_jsonl

    out = []
    for number, value in read_jsonl(path, "raw-input file", text):
        if not isinstance(value, dict):
            raise DecaiError(f"{path}:{number}: each line must be a JSON object with transaction, trainer and raw")
        out.append((f"{path}:{number}", value))
    return out


def claims_from_csv(path: str | Path, trainer: str, text: str | None = None) -> list[Claim]:
    """The raw inputs of a data-set CSV (`ape run export`'s, or the dashboard's):
    its `raw` column with `transaction_hash` (or `transaction`). Rows whose
    raw input is empty are skipped: the exporter did not know it."""
    from decai.data.files import read_csv

    header, rows = read_csv(path, "data-set file", text)
    first = f"{path}:{_header_line(text, path)}"
    if "raw" not in header:
        raise DecaiError(f"{first}: no 'raw' column: this file holds no raw inputs")
    tx_column = next((c for c in ("transaction_hash", "transaction") if c in header), None)
    if tx_column is None:
        raise DecaiError(f"{first}: no 'transaction_hash' column to match the raw inputs to")
    trainer = _address(str(path), "trainer", trainer)
    claims = []
    for number, fields in rows:
        row = dict(zip(header, fields))
        if not row["raw"].strip():
            continue
        where = f"{path}:{number}"
        claims.append(Claim(where, _transaction(where, row[tx_column]), trainer, _csv_raw(where, row["raw"])))
    return claims


def _header_line(text: str | None, path: str | Path) -> int:
    """The line of a CSV's header: the first that is not blank."""
    if text is None:
        from decai.data.files import read_text

        text = read_text(path)
    return next((n for n, line in enumerate(text.splitlines(), 1) if line.strip(" ,\t")), 1)


def _csv_raw(where: str, text: str) -> str | tuple[float, ...]:
    """A CSV cell: numbers are written as a JSON list, anything else is text."""
    if text.lstrip().startswith("["):
        try:
            return _raw_value(where, json.loads(text, parse_constant=lambda name: float("nan")))
        except json.JSONDecodeError:
            pass
    return _raw_value(where, text)


def read_claims(path: str | Path, text: str | None = None, trainer: str | None = None) -> list[Claim]:
    """Entries of a store file (.jsonl, .json) or of a data-set CSV (.csv, needs `trainer`)."""
    suffix = Path(str(path)).suffix.lower()
    if suffix == ".csv":
        if trainer is None:
            raise DecaiError(f"{path}: a CSV names no trainer: give the trainer it was exported from")
        return claims_from_csv(path, trainer, text)
    if suffix in (".jsonl", ".json"):
        return claims_from_jsonl(path, text, trainer)
    raise DecaiError(f"{path}: unknown file type {suffix or '(no ending)'!r}; give a .jsonl store or a .csv data set")


# -- checking against the chain ----------------------------------------------------------


def _added_events(trainer, transaction: str, provider) -> list:
    receipt = provider.make_request("eth_getTransactionReceipt", [transaction])
    if not receipt:
        return []
    logs = [log for log in receipt.get("logs") or [] if str(log.get("address", "")).lower() == trainer.address.lower()]
    if not logs:
        return []
    ecosystem = provider.network.ecosystem
    return [log for log in ecosystem.decode_logs(logs, trainer.contract.AddData.abi) if log.event_name == "AddData"]


def check_raw(trainer, raw: str | Iterable[float], sample: Iterable[int], what: str = "the raw input") -> None:
    """DecaiError unless `trainer`'s encoder turns `raw` into `sample` exactly."""
    spec = str(trainer.contract.encoder())
    if takes_text(spec) != isinstance(raw, str):
        kind = "text" if takes_text(spec) else "numbers"
        raise DecaiError(f"{what} does not fit this trainer: it takes {kind}")
    encoded = trainer.encoder().encode(raw if isinstance(raw, str) else list(raw))
    sample = [int(x) for x in sample]
    if list(encoded) != sample:
        shown = "text" if isinstance(raw, str) else "numbers"
        raise DecaiError(
            f"{what} does not match: its {shown} encode to {_brief(encoded)}, "
            f"but the contribution holds {_brief(sample)}"
        )


def _brief(values: list[int]) -> str:
    head = ", ".join(map(str, values[:6]))
    return f"[{head}{', …' if len(values) > 6 else ''}] ({len(values)} values)"


def verify(claims: Iterable[Claim], trainer_for: Callable[[str], Any], provider) -> list[RawInput]:
    """Every claim checked against its transaction's AddData event (see the
    module); the first one that fails raises DecaiError naming its line."""
    out = []
    for claim in claims:
        at = f"{claim.where}: " if claim.where else ""
        try:
            trainer = trainer_for(claim.trainer)
        except DecaiError as error:
            raise DecaiError(f"{at}{error}") from None
        events = _added_events(trainer, claim.transaction, provider)
        if not events:
            raise DecaiError(f"{at}transaction {claim.transaction} added no data to {trainer.address} on this chain")
        event = events[0]
        args = event.event_arguments
        try:
            check_raw(trainer, claim.raw, args["data"], f"the raw input of transaction {claim.transaction[:10]}…")
        except DecaiError as error:
            raise DecaiError(f"{at}{error}") from None
        out.append(
            RawInput(
                claim.transaction,
                trainer.address,
                claim.raw,
                tuple(int(x) for x in args["data"]),
                int(args["label"]),
                str(args["sender"]),
            )
        )
    return out


# -- the store ---------------------------------------------------------------------------


class RawStore:
    """One network's store file (see the module)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @classmethod
    def connected(cls) -> RawStore:
        """The store of the network Ape is connected to."""
        from ape import chain

        network = chain.provider.network
        return cls(store_path(network.ecosystem.name, network.name))

    def load(self) -> dict[str, RawInput]:
        """transaction -> entry; a damaged store is one line naming file and line."""
        if not self.path.exists():
            return {}
        entries: dict[str, RawInput] = {}
        for where, value in _objects(self.path):
            try:
                entry = RawInput(
                    _transaction(where, value.get("transaction")),
                    _address(where, "trainer", value.get("trainer")),
                    _raw_value(where, value.get("raw")),
                    tuple(int(x) for x in value["sample"]),
                    int(value["label"]),
                    _address(where, "author", value.get("author")),
                )
            except (KeyError, TypeError, ValueError):
                raise DecaiError(
                    f"{where}: an entry needs transaction, trainer, raw, sample, label and author"
                ) from None
            entries[entry.transaction] = entry
        return entries

    def for_trainer(self, address: str) -> dict[str, RawInput]:
        return {tx: e for tx, e in self.load().items() if e.trainer.lower() == address.lower()}

    @property
    def stamp(self) -> int:
        """When the file last changed (0 when there is none): readers cache by it."""
        return self.path.stat().st_mtime_ns if self.path.exists() else 0

    def add(self, entries: Iterable[RawInput]) -> tuple[int, int]:
        """Keep verified `entries`; (added, already known). An entry already
        kept for the same transaction stays as it is."""
        known = self.load()
        added = already = 0
        for entry in entries:
            if entry.transaction in known:
                already += 1
                continue
            known[entry.transaction] = entry
            added += 1
        if added:
            self.write(known.values())
        return added, already

    def write(self, entries: Iterable[RawInput]) -> None:
        """Replace the file with `entries`, through a temporary file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        text = "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in entries)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.path)

    def export(self, path: str | Path, trainer: str | None = None) -> int:
        """Write the entries (of `trainer`, or all) to `path` as a store file; returns how many."""
        entries = list((self.for_trainer(trainer) if trainer else self.load()).values())
        RawStore(path).write(entries)
        return len(entries)


def known_stores() -> list[RawStore]:
    """The stores that apply on the connected network: its own, then, on a
    fork, the forked network's (as deployment records do)."""
    from ape import chain

    from decai.chain.records import record_networks

    network = chain.provider.network
    return [
        RawStore(store_path(network.ecosystem.name, name))
        for name in record_networks(network.ecosystem.name, network.name)
    ]


def known_entries(trainer: str | None = None) -> dict[str, RawInput]:
    """transaction -> entry over `known_stores()` (the network's own first), of `trainer` or all."""
    entries: dict[str, RawInput] = {}
    for store in reversed(known_stores()):
        entries.update(store.for_trainer(trainer) if trainer else store.load())
    return entries


def remember(trainer, contribution, raw: str | Iterable[float]) -> Path:
    """Keep the raw input of a contribution just added (its event is the
    chain's word; the raw input was checked against the sample before sending)."""
    raw = raw if isinstance(raw, str) else tuple(float(v) for v in raw)
    entry = RawInput(
        str(contribution.transaction_hash).lower(),
        trainer.address,
        raw,
        tuple(int(x) for x in contribution.data),
        int(contribution.label),
        str(contribution.author),
    )
    store = RawStore.connected()
    store.add([entry])
    return store.path


def import_file(
    path: str | Path,
    trainer_for: Callable[[str], Any],
    provider,
    *,
    text: str | None = None,
    trainer: str | None = None,
) -> tuple[int, int, Path]:
    """Read, verify and keep the entries of `path` (see `read_claims`) in the
    connected network's store: (added, already known, store path). One bad
    entry refuses the whole file and writes nothing."""
    claims = read_claims(path, text, trainer)
    if not claims:
        raise DecaiError(f"{path}: no raw inputs in this file")
    entries = verify(claims, trainer_for, provider)
    store = RawStore.connected()
    added, already = store.add(entries)
    return added, already, store.path
