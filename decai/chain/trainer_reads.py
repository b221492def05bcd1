"""What a trainer reads back from the chain: contributions and their
claims, accounts' records, the model's parameters, and the checks that
need them (`Trainer` inherits all of it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from decai.core.contributions import Contribution
from decai.units import to_hex


@dataclass(frozen=True)
class ClaimStatus:
    claimable: int
    initial_deposit: int
    claim_count: int
    refunded: bool


class TrainerReads:
    """Reads of a decai trainer; `self.contract` is the Ape contract."""

    def claimable(self, contribution: Contribution) -> int:
        return int(
            self.contract.claimable(
                list(contribution.data), contribution.label, contribution.added_time, contribution.author
            )
        )

    def status(self, contribution: Contribution) -> ClaimStatus:
        record = self.contract.contribution(contribution.key)
        return ClaimStatus(
            int(record.claimable), int(record.initial_deposit), int(record.claim_count), bool(record.refunded)
        )

    def has_claimed(self, contribution: Contribution, account: str) -> bool:
        return bool(self.contract.has_claimed(contribution.key, account))

    def good_contributions(self, account: str) -> int:
        return int(self.contract.good_contributions(account))

    def contributions(
        self, author: str | None = None, start_block: int | None = None, stop_block: int | None = None
    ) -> list[Contribution]:
        """Contributions from `AddData` events, optionally of one author.

        Blocks `start_block` up to, not including, `stop_block` (default: the
        head). The search starts at the deployment block when the trainer
        has a record, else at block 0.
        """
        from ape import chain

        topics = {"sender": author} if author else None
        start = self.deployment_block if start_block is None else start_block
        # Ape's range(start, stop) excludes `stop`; without a stop it would
        # read `start` as the stop.
        stop = chain.blocks.height + 1 if stop_block is None else stop_block
        logs = self.contract.AddData.range(start, stop, search_topics=topics)
        return [self.contribution_from_event(log) for log in logs]

    @staticmethod
    def contribution_from_event(log) -> Contribution:
        """The contribution an `AddData` event (an Ape decoded log) records."""
        args = log.event_arguments
        return Contribution(
            data=tuple(args["data"]),
            label=int(args["label"]),
            added_time=int(args["added_time"]),
            author=args["sender"],
            deposit=int(args["deposit"]),
            block_number=log.block_number,
            transaction_hash=to_hex(log.transaction_hash),
        )

    @property
    def forgets_taken(self) -> bool:
        """Whether a take of a sample the model rejects removes the sample
        from the model (deposit trainers over a model that can forget)."""
        from decai.models.base import model_class

        return self.mechanism == "deposit" and model_class(self.model_type).forgets_taken

    def reference_model(self):
        """The on-chain model's current parameters as a decai reference model."""
        from decai.models.base import model_class

        metadata = dict(
            name=self.contract.name(),
            description=self.contract.description(),
            encoder=self.contract.encoder(),
            classes=self.classes,
        )
        return model_class(self.model_type).from_chain(self.contract, metadata)

    def burned_in(self, receipt) -> int:
        """Wei a report or sweep in `receipt` burned: half of what it took,
        when the model rejected the sample (deposit trainers; else 0)."""
        if self.mechanism != "deposit":
            return 0
        events = list(receipt.decode_logs(self.contract.Report))
        return int(events[0].burned) if events else 0

    def would_learn(self, sample: Sequence[int], label: int) -> bool:
        """Whether the model, once it has learned (sample, label), would
        predict `label` for it: checked on a local copy of the public
        parameters. A sample that fails is likely reported and its deposit
        taken, half of it burned."""
        model = self.reference_model()
        model.update(list(sample), label)
        return model.predict(list(sample)) == label
