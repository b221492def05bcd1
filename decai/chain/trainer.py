"""A deployed trainer, wrapped for scripts, the console, tests and agents.

    trainer = Trainer.at("0x...")            # any decai trainer
    trainer.predict([1, 5, 9])               # free
    c = trainer.add_data([1, 5, 9], 1, sender=me)
    ...                                       # refund_wait_s later
    trainer.refund(c, sender=me)

Samples are checked off chain first, so a bad one fails with a one-line
`DecaiError` before any transaction is sent; a revert from the contract is
raised as `Rejected` with the contract's reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from decai.chain.trainer_reads import ClaimStatus, TrainerReads
from decai.chain.transact import check_call, transact
from decai.core.contributions import Contribution
from decai.errors import DecaiError, Rejected, revert_reason
from decai.models.base import MAX_SAMPLE_LENGTH
from decai.units import human_duration

#: Share of the current deposit sent on top of it by default; someone else
#: adding data just before raises the price (one addition at most 1.83
#: times, see contracts/lib/mechanisms/deposit.vy), so sending twice the
#: deposit always covers one front-runner. The excess comes back at once.
#: (An integer, so that `deposit * DEPOSIT_MARGIN` stays exact in wei.)
DEPOSIT_MARGIN = 1

#: Without an explicit `max_deposit`, `add_data` never sends more than this
#: many times its first quote, however often it quotes again.
DEPOSIT_CAP_FACTOR = 2

#: How many times `add_data` quotes the pending block again and resends
#: after a refusal for an insufficient deposit (someone added just before).
ADD_RETRIES = 3

_KIND_ABI = {
    "type": "function",
    "name": "trainer_kind",
    "stateMutability": "pure",
    "inputs": [],
    "outputs": [{"name": "", "type": "string"}],
}


def _call(action: str, method, *args):
    """A read-only call; a revert raises Rejected with its reason."""
    from ape.exceptions import ContractLogicError

    try:
        return method(*args)
    except ContractLogicError as error:
        raise Rejected(f"{action} rejected: {revert_reason(error)}") from None


def _require_network() -> None:
    """DecaiError unless Ape is connected to a network."""
    from ape import networks

    if networks.active_provider is None or not networks.active_provider.is_connected:
        raise DecaiError(
            "no network is connected: use the SDK inside `with networks.parse_network_choice(...)`, "
            "an `ape run` script or `ape console`"
        )


class Trainer(TrainerReads):
    """A decai trainer contract (any mechanism, any model)."""

    def __init__(self, contract: Any):
        from decai.chain.retry import connected_resilient

        connected_resilient()  # reads retried with backoff from here on
        self.contract = contract
        self.kind = str(contract.trainer_kind())
        self.mechanism, self.model_type = self.kind.split("/", 1)
        self._shape = None
        #: Parameters of the encoder (vocabulary, feature statistics) when the
        #: encoder has any; they come from the model file or deployment record.
        self.encoder_params: dict | None = None
        #: Receipt of the last transaction this wrapper sent (for gas figures).
        self.last_receipt = None
        #: The deployment record this trainer was found by (decai.chain.records), if any.
        self.record: dict | None = None

    # -- finding one ------------------------------------------------------
    @classmethod
    def at(cls, address: str) -> Trainer:
        """Attach to a deployed trainer; its kind picks the right ABI.
        Anything but a 0x address (an Ape alias, an ENS name) is refused
        with a DecaiError, like every failure here."""
        from ape import chain
        from ape.exceptions import ApeException
        from eth_utils import is_address

        from decai.chain.contracts import contract_at, contract_container

        if not isinstance(address, str) or not is_address(address):
            raise DecaiError(f"{address!r} is not an address (0x and 40 hex digits)")
        _require_network()
        try:
            if not chain.provider.get_code(address):
                raise DecaiError(f"no contract at {address}")
            # Only the kind's ABI, and no explorer: Ape's default asks the explorer
            # plugins first, which offline waits out their timeouts (minutes).
            probe = chain.contracts.instance_at(address, abi=[_KIND_ABI], fetch_from_explorer=False, detect_proxy=False)
            mechanism, model_type = str(probe.trainer_kind()).split("/", 1)
        except DecaiError:
            raise
        except (ApeException, ValueError) as error:
            raise DecaiError(f"{address} is not a decai trainer ({error.__class__.__name__})") from None
        # The ABI is known now: the full contract type replaces the probe's in Ape's cache.
        return cls(contract_at(contract_container(mechanism, model_type), address))

    @classmethod
    def find(cls, reference: str) -> Trainer:
        """The trainer recorded under a name on the connected network, or at an address.

        A recorded trainer (found by name, or by address when a record of it
        exists) comes with its record: the encoder's parameters and the
        deployment block, where searches for its events start. A record of a
        chain that is gone raises DecaiError (see decai.chain.records).
        """
        from ape import chain

        from decai.chain.records import resolve_trainer

        _require_network()
        address, record = resolve_trainer(reference, chain.provider)
        trainer = cls.at(address)
        if record:
            trainer.record = record
            trainer.encoder_params = record.get("encoder_params") or None
        return trainer

    @property
    def address(self) -> str:
        return self.contract.address

    def __repr__(self) -> str:
        try:
            name = repr(str(self.contract.name()))
        except Exception:  # a repr must not fail: the node may be gone
            name = "?"
        return f"<Trainer {name} {self.kind} at {self.address}>"

    @property
    def deployment_block(self) -> int:
        """The block the trainer was deployed in, if recorded (else 0)."""
        return int((self.record or {}).get("block") or 0)

    # -- the model ----------------------------------------------------------
    @property
    def classes(self) -> list[str]:
        return [self.contract.classes(i) for i in range(self.contract.num_classes())]

    def encoder(self):
        """The encoder named by the trainer's `encoder()` string."""
        from decai.data.encoders import encoder_from_spec

        return encoder_from_spec(self.contract.encoder(), self.encoder_params)

    def check_sample(self, sample: Sequence[int]) -> list[int]:
        """Off-chain checks matching the contract's, with one-line errors."""
        try:
            sample = [int(x) for x in sample]
        except (TypeError, ValueError):
            raise DecaiError(f"a sample is a list of integers, got {sample!r}") from None
        if len(sample) > MAX_SAMPLE_LENGTH:
            raise DecaiError(f"sample has {len(sample)} values; a sample may have at most {MAX_SAMPLE_LENGTH}")
        self._shape_model().check_sample(sample)
        return sample

    def _shape_model(self):
        # The model's shape (features, dimensions) never changes after
        # deployment, so one snapshot serves every check.
        if self._shape is None:
            self._shape = self.reference_model()
        return self._shape

    def predict(self, sample: Sequence[int]) -> int:
        sample = self.check_sample(sample)
        return int(_call("predict", self.contract.predict, sample))

    def predict_many(self, samples: Iterable[Sequence[int]], batch: int = 100) -> list[int]:
        """Predictions for many samples (batched where the model allows)."""
        samples = [self.check_sample(s) for s in samples]
        if not hasattr(self.contract, "predict_batch"):
            return [int(self.contract.predict(s)) for s in samples]
        out: list[int] = []
        for start in range(0, len(samples), batch):
            out.extend(int(p) for p in self.contract.predict_batch(samples[start : start + batch]))
        return out

    # -- contributing -------------------------------------------------------
    def next_deposit(self) -> int:
        return int(self.contract.next_deposit())

    def pending_deposit(self) -> int:
        """The deposit `add_data` requires in the pending block (the next
        one), which is what a transaction sent now pays: a contribution
        mined since the last block makes it higher than `next_deposit()`."""
        return int(self.contract.next_deposit(block_id="pending"))

    def add_data(
        self,
        sample: Sequence[int],
        label: int,
        *,
        sender,
        value: int | None = None,
        max_deposit: int | None = None,
        retries: int = ADD_RETRIES,
        raw: str | Sequence[float] | None = None,
        unlearnable: bool = False,
        **tx,
    ) -> Contribution:
        """Add one labelled sample; returns the recorded contribution.

        `raw` is the input the sample was encoded from (the text, or the
        numbers of a dense sample): it must encode to `sample` with the
        trainer's encoder (checked before sending), and once the sample is
        on chain it is kept in the network's raw-input store, keyed by the
        transaction (decai.data.raw_inputs).

        `value` defaults to the pending block's deposit plus DEPOSIT_MARGIN
        (twice the deposit); the contract sends back whatever exceeds the
        deposit it takes.

        Someone else's contribution just before yours raises the price (one
        addition at most 1.83 times, so the default value still covers it).
        Without an explicit `value`, a refusal for an insufficient deposit,
        whether the check before sending or the mined transaction reports
        it, is met by quoting the pending block again and resending, at
        most `retries` more times. What is ever sent is capped: by
        `max_deposit` (wei) if given, else by DEPOSIT_CAP_FACTOR times the
        first quote; if a quote exceeds the cap, DecaiError is raised and
        nothing is sent. Paying more than twice the quote needs an explicit
        `max_deposit`.

        Deposit trainers: a take made while the model rejects a sample burns
        half of what it takes, so before sending, the sample is checked on a
        local copy of the public model (`would_learn`); if the model would
        still predict another label after learning it, DecaiError is raised
        and nothing is sent, unless `unlearnable=True`.
        """
        sample = self.check_sample(sample)
        if not 0 <= label < self.contract.num_classes():
            raise DecaiError(f"label {label} is not one of the model's labels 0..{self.contract.num_classes() - 1}")
        if self.mechanism == "deposit" and not unlearnable and not self._learns_or_refused(sample, label):
            raise DecaiError(
                f"the model would still not predict label {label} ({self.classes[label]}) for this sample after"
                " learning it, so its deposit would likely be taken, half of it burned: nothing was sent"
                " (pass unlearnable=True, --unlearnable, to add it anyway)"
            )
        if max_deposit is not None and max_deposit < 0:
            raise DecaiError(f"max_deposit must not be negative, got {max_deposit}")
        if raw is not None:
            from decai.data.raw_inputs import check_raw

            check_raw(self, raw, sample)
        cap = max_deposit
        for attempt in range(retries + 1):
            send = value
            if send is None:
                deposit = self.pending_deposit()
                if cap is None:  # the first quote sets the default cap
                    cap = DEPOSIT_CAP_FACTOR * deposit
                elif deposit > cap and max_deposit is None:
                    raise DecaiError(
                        f"the deposit is now {deposit} wei, above {cap} wei ({DEPOSIT_CAP_FACTOR} times the first"
                        " quote); pass a larger max_deposit (--max-deposit) to pay more: nothing was sent"
                    )
                if deposit > cap:
                    raise DecaiError(
                        f"the deposit is now {deposit} wei, above your maximum of {max_deposit} wei: nothing was sent"
                    )
                send = min(deposit + deposit * DEPOSIT_MARGIN, cap)
            elif max_deposit is not None and send > max_deposit:
                raise DecaiError(f"value {send} wei is above your maximum of {max_deposit} wei: nothing was sent")
            try:
                receipt = transact("add_data", self.contract.add_data, sample, label, sender=sender, value=send, **tx)
            except Rejected as rejection:
                if value is None and attempt < retries and str(rejection).endswith("deposit: insufficient deposit"):
                    continue  # outbid by a contribution just before: quote again
                raise
            self.last_receipt = receipt
            event = next(iter(receipt.decode_logs(self.contract.AddData)))
            contribution = self.contribution_from_event(event)
            if raw is not None:
                from decai.data.raw_inputs import remember

                remember(self, contribution, raw)
            return contribution
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _learns_or_refused(self, sample: list[int], label: int) -> bool:
        """`would_learn`, or True when the model refuses the sample itself:
        the call before sending then names the contract's reason."""
        try:
            return self.would_learn(sample, label)
        except DecaiError:
            return True

    def refund(self, contribution: Contribution, *, sender, **tx) -> int:
        """Reclaim the deposit of your own contribution (points trainers:
        claim its point); returns wei received."""
        if sender.address != contribution.author:
            raise DecaiError("only the author of a contribution can be refunded")
        args = (list(contribution.data), contribution.label, contribution.added_time)
        problem = self.refund_problem(contribution, self.pending_time())
        if problem is not None and not self._too_early_here(problem, self.contract.refund, args, sender, tx):
            raise Rejected(f"refund rejected: {problem}")
        receipt = transact("refund", self.contract.refund, *args, sender=sender, **tx)
        return self._paid(receipt, "Refund")

    def report(self, contribution: Contribution, *, sender, **tx) -> int:
        """Take (a share of) someone's deposit (points trainers: mark it bad);
        returns wei received."""
        args = (list(contribution.data), contribution.label, contribution.added_time, contribution.author)
        problem = self.report_problem(contribution, sender.address, self.pending_time())
        if problem is not None and not self._too_early_here(problem, self.contract.report, args, sender, tx):
            raise Rejected(f"report rejected: {problem}")
        receipt = transact("report", self.contract.report, *args, sender=sender, **tx)
        return self._paid(receipt, "Report")

    @staticmethod
    def _too_early_here(problem: str, method, args: tuple, sender, tx: dict) -> bool:
        """Whether a "too early" found off chain is only a lagging node's clock:
        the contract itself (a call on the pending block) would accept now.

        A node behind its peers can show a pending block from before the
        time the claim opens; the contract's own check decides then."""
        if not problem.startswith("too early"):
            return False
        try:
            check_call("claim", method, *args, sender=sender, **tx)
        except Rejected:
            return False
        return True

    # -- why a claim would fail, in words, before sending it ------------------
    @staticmethod
    def pending_time() -> int:
        """The timestamp the node gives the next transaction."""
        from ape import chain

        return int(chain.pending_timestamp)

    def _status_or_none(self, contribution: Contribution) -> ClaimStatus | None:
        from ape.exceptions import ContractLogicError

        try:
            return self.status(contribution)
        except ContractLogicError:
            return None

    def refund_problem(self, contribution: Contribution, now: int) -> str | None:
        """Why `refund` would be rejected at time `now`, or None if it would pass."""
        status = self._status_or_none(contribution)
        if status is None:
            return "no such contribution: check the sample, label, added time and account"
        if self.mechanism == "points":
            return self._points_problem(contribution, status, now, None)
        if status.refunded:
            return "already refunded"
        if status.claimable == 0 and status.initial_deposit != 0:
            return "nothing left to refund: the deposit was taken by reporters"
        wait = int(self.contract.refund_wait_s()) - (now - contribution.added_time)
        if wait > 0:
            return f"too early: refunds open in {human_duration(wait)}"
        predicted = self.predict(contribution.data)
        if predicted != contribution.label:
            return f"the model now predicts {predicted}, not your label {contribution.label}: no refund"
        return None

    def report_problem(self, contribution: Contribution, reporter: str, now: int) -> str | None:
        """Why `report` by `reporter` would be rejected at `now`, or None."""
        status = self._status_or_none(contribution)
        if status is None:
            return "no such contribution: check the sample, label, added time and author"
        if self.mechanism == "points":
            return self._points_problem(contribution, status, now, reporter)
        if status.claimable == 0:
            return "nothing left to take"
        if self.has_claimed(contribution, reporter):
            return "you have already taken your share of this contribution"
        age = now - contribution.added_time
        wait = int(self.contract.refund_wait_s()) - age
        if wait > 0:
            return f"too early: reports open in {human_duration(wait)}"
        if age >= int(self.contract.any_address_claim_wait_s()):
            return None
        if age >= int(self.contract.owner_claim_wait_s()) and reporter == self.contract.owner():
            return None
        if reporter == contribution.author:
            return "you cannot report your own contribution (refund it instead)"
        if self.predict(contribution.data) == contribution.label:
            return "the model agrees with this contribution's label: nothing to report"
        good = self.good_contributions(reporter)
        if good == 0:
            return "you need at least one refunded (good) contribution before you can report"
        if status.initial_deposit * good // int(self.contract.total_good_contributions()) == 0:
            return "your share of this deposit rounds to 0 wei: nothing to take (sweeps take the rest later)"
        return None

    def _points_problem(
        self, contribution: Contribution, status: ClaimStatus, now: int, reporter: str | None
    ) -> str | None:
        if status.refunded or status.claim_count:
            return "already settled"
        wait = int(self.contract.refund_wait_s()) - (now - contribution.added_time)
        if wait > 0:
            return f"too early: it can be settled in {human_duration(wait)}"
        agrees = self.predict(contribution.data) == contribution.label
        if reporter is None:
            return None if agrees else f"the model now disagrees with label {contribution.label}: no point"
        if reporter == contribution.author:
            return "you cannot report your own contribution"
        if agrees:
            return "the model agrees with this contribution's label: nothing to report"
        points, author_points = self.good_contributions(reporter), self.good_contributions(contribution.author)
        if points == 0:
            return "you need at least one point before you can report"
        if points < author_points:
            return f"you have fewer points ({points}) than the author ({author_points}): you cannot report them"
        return None

    def badges(self, account: str) -> list[str]:
        """Names of the badges `account` holds (points trainers)."""
        from decai.core.mechanisms import BADGES

        bits = int(self.contract.badges(account))
        return [name for badge, name in enumerate(BADGES) if bits >> badge & 1]

    def _paid(self, receipt, event_name: str) -> int:
        self.last_receipt = receipt
        if self.mechanism != "deposit":
            return 0
        events = list(receipt.decode_logs(getattr(self.contract, event_name)))
        return int(events[0].amount) if events else 0
