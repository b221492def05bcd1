"""The contributors' own data on the dashboard (decai.data.raw_inputs).

After the page adds a sample, it hands the server the input as typed and the
transaction's hash; the server checks it against that transaction's AddData
event with the trainer's encoder and keeps it in the network's raw-input
store, the one `ape run add_data` and the SDK write. The trainer's page and
its CSV show the raw text (or the numbers as entered) wherever the store
knows it; someone else's store file, or a data-set CSV with a `raw` column,
can be imported from the page, every entry checked the same way.

`RawInputPages` is mixed into `decai.dashboard.service.Service`, whose
`trainer`, `input_kind` and `provider` it uses.
"""

from __future__ import annotations

import json
from typing import Any

from decai.core.contributions import Contribution
from decai.data.raw_inputs import Claim, RawInput, RawStore, import_file, known_entries, known_stores, verify
from decai.errors import DecaiError


class RawInputPages:
    """Keeping, showing, importing and exporting raw inputs (see the module)."""

    _raw_cache: tuple[tuple, dict[str, RawInput]] | None = None

    def _raw_entries(self) -> dict[str, RawInput]:
        """The stores of the connected network (and the forked one), read again
        only when a file changes."""
        key = tuple((str(store.path), store.stamp) for store in known_stores())
        if self._raw_cache is None or self._raw_cache[0] != key:
            self._raw_cache = (key, known_entries())
        return self._raw_cache[1]

    def raw_of(self, contribution: Contribution) -> str | list[float] | None:
        """The raw input of `contribution` (text, or numbers), if the store has
        it for that transaction and sample."""
        entry = self._raw_entries().get(str(contribution.transaction_hash or "").lower())
        if entry is None or entry.sample != tuple(contribution.data):
            return None
        return entry.raw if isinstance(entry.raw, str) else list(entry.raw)

    def keep_raw(self, address: str, body: dict[str, Any]) -> dict[str, Any]:
        """Keep the input the page just added under transaction `hash`."""
        trainer = self.trainer(address)
        typed, tx_hash = body.get("input"), body.get("hash")
        kind = self.input_kind(trainer)["kind"]
        if kind == "indices" or trainer.mechanism == "market":
            return {"kept": False}  # the sample is the input: nothing more to keep
        if not isinstance(typed, str) or not typed.strip() or not isinstance(tx_hash, str):
            raise DecaiError("the input and the transaction hash are needed to keep the raw input")
        raw: str | tuple[float, ...] = typed
        if kind != "text":
            parts = [p.strip() for p in typed.replace(";", ",").replace("\n", ",").split(",") if p.strip()]
            try:
                raw = tuple(float(p) for p in parts)
            except ValueError:
                raise DecaiError("the values are not all numbers") from None
        entries = verify([Claim("", tx_hash.lower(), trainer.address, raw)], self.trainer, self.provider)
        RawStore.connected().add(entries)
        return {"kept": True}

    def import_raw(self, address: str, body: dict[str, Any]) -> dict[str, Any]:
        """Import a store file (.jsonl) or data-set CSV given as {name, text}."""
        name, text = body.get("name"), body.get("text")
        if not isinstance(name, str) or not name.strip() or not isinstance(text, str):
            raise DecaiError("choose a .jsonl raw-input store or a .csv data set first")
        trainer = self.trainer(address)
        added, already, _ = import_file(name.strip(), self.trainer, self.provider, text=text, trainer=trainer.address)
        return {"added": added, "already": already}

    def raw_jsonl(self, address: str) -> str:
        """The store's entries of the trainer at `address`, as a store file."""
        trainer = self.trainer(address)
        entries = known_entries(trainer.address).values()
        return "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in entries)
