"""A prediction market's provider in the browser: create the market, commit
the hidden test set and reveal it portion by portion.

The test set and its salts never come here before a reveal needs them: the
page splits the test set, draws the salts (crypto.getRandomValues), hashes
the portions and offers them as a file to download; `commit` receives only
the hashes and the bounty. Each reveal sends one portion, which goes on chain
in that transaction anyway. Every step is checked first (the phase, its
wait, the portion against its committed hash, then the contract's own answer
by eth_call), so a step the contract would refuse fails with one sentence,
saying when it becomes possible, and nothing is sent.

`ProviderPages` is mixed into `decai.dashboard.service.Service`, whose
`trainer`, `summary`, `pending_time`, `_tx`, `_funds`, `is_dev` and `plan`
it uses.
"""

from __future__ import annotations

from typing import Any

from decai.chain.transact import check_call
from decai.dashboard.common import checksum, ether
from decai.errors import DecaiError
from decai.market.encoding import (
    MAX_PORTION_INDICES,
    MAX_PORTION_SAMPLES,
    MAX_PORTIONS,
    MAX_TEST_INDICES,
    MAX_TEST_SAMPLES,
    MIN_PORTIONS,
    Portion,
)
from decai.market.status import PHASES
from decai.models.base import MAX_SAMPLE_LENGTH
from decai.units import format_ether, human_duration, parse_duration, parse_wei

#: The create form's labels, by the field names the page sends.
MARKET_FIELDS = {
    "stake": ("“Stake per contribution”", "an amount such as 0.01ether"),
    "min_duration": ("“Provider may end after”", "a duration such as 1d"),
    "max_duration": ("“Participation closes after”", "a duration such as 7d"),
    "min_contributions": ("“Or after this many contributions”", "a whole number such as 10"),
    "commit_window": ("“Time to reveal the first portion”", "a duration such as 1d"),
    "reveal_window": ("“Time to reveal the rest”", "a duration such as 1d"),
}
_PARAMETER_NAMES = {
    "min_duration_s": MARKET_FIELDS["min_duration"][0],
    "max_duration_s": MARKET_FIELDS["max_duration"][0],
    "min_contributions": MARKET_FIELDS["min_contributions"][0],
    "commit_window_s": MARKET_FIELDS["commit_window"][0],
    "reveal_window_s": MARKET_FIELDS["reveal_window"][0],
    "stake": MARKET_FIELDS["stake"][0],
}


def _in(seconds: int) -> str:
    return human_duration(max(1, seconds))


def _hash_hex(value: Any) -> str:
    return "0x" + bytes(value).hex()


class ProviderPages:
    """The provider's reads and prepared transactions (see the module)."""

    # -- creating a market -----------------------------------------------------------------
    def market_parameters(self, params: dict[str, Any]):
        """MarketParameters from the create form; every message names a field by its label."""
        from decai.market.client import MarketParameters

        values: dict[str, int] = {}
        for key, (label, example) in MARKET_FIELDS.items():
            text = str(params.get(key) if params.get(key) is not None else "").strip()
            if not text:
                raise DecaiError(f"{label} is empty: enter {example}")
            try:
                if key == "stake":
                    values[key] = parse_wei(text)
                elif key == "min_contributions":
                    if not text.isdigit():
                        raise DecaiError(f"{text!r} is not a whole number")
                    values[key] = int(text)
                else:
                    values[key] = parse_duration(text)
            except DecaiError as error:
                raise DecaiError(f"{label}: {error}") from None
        try:
            return MarketParameters(
                values["stake"], values["min_duration"], values["max_duration"], values["min_contributions"],
                values["commit_window"], values["reveal_window"],
            )  # fmt: skip
        except DecaiError as error:
            message = str(error)
            for name, label in _PARAMETER_NAMES.items():
                message = message.replace(name, label)
            raise DecaiError(message) from None

    def plan_market(self, body: dict[str, Any]) -> dict[str, Any]:
        """The deployment plan of a market (`Deployments.plan`) over the
        uploaded sparse perceptron or, without one, zero weights over
        `features` features (as `ape run market deploy` makes)."""
        from decai.core.fixed_point import ONE
        from decai.models import SparsePerceptron

        model = body.get("model")
        if not model:
            text = str(body.get("features") or "").strip()
            if not text.isdigit() or not 1 <= int(text) <= 100_000:
                raise DecaiError("“Features” must be a whole number from 1 to 100000 when no model file is chosen")
            name = (body.get("name") or "").strip() or "market model"
            model = SparsePerceptron(
                name=name, description="a sparse perceptron trained by a prediction market", encoder="indices",
                weights=[0] * int(text), intercept=-1, learning_rate=ONE,
            ).to_dict()  # fmt: skip
        elif not isinstance(model, dict) or model.get("type") != "sparse_perceptron":
            kind = model.get("type") if isinstance(model, dict) else "something else"
            raise DecaiError(f"a market holds a sparse perceptron; this model file holds a {kind}")
        plan = self.plan({**body, "model": model, "mechanism": "market"})
        plan["model_file"] = model
        return plan

    # -- what the provider sees ---------------------------------------------------------------
    def provider_view(self, address: str, account: str | None) -> dict[str, Any]:
        """The provider's steps: who may take them, what is committed and when each wait ends."""
        from ape import chain

        trainer = self.trainer(address)
        if trainer.mechanism != "market":
            raise DecaiError(f"{trainer.address} is a {trainer.kind} trainer, not a prediction market")
        c = trainer.contract
        phase = PHASES[int(c.phase())]
        me = checksum(account) if account else None
        owner, provider = checksum(str(c.owner())), checksum(str(c.market_provider()))
        num_portions = int(c.num_portions())
        drawn, first = c.first_portion()
        opened = int(c.opened_at())
        out: dict[str, Any] = {
            "phase": phase, "now": self.pending_time(), "owner": owner, "provider": provider,
            "is_owner": me == owner, "is_provider": me is not None and me == provider,
            "num_features": int(c.num_features()), "stake": ether(int(c.stake())), "bounty": ether(int(c.bounty())),
            "num_portions": num_portions, "hashes": [_hash_hex(c.portion_hash(i)) for i in range(num_portions)],
            "first_portion": int(first) if drawn else None, "next_portion": int(c.next_portion()),
            "num_test_samples": int(c.num_test_samples()), "contributions": int(c.num_contributions()),
            "limits": {
                "min_portions": MIN_PORTIONS, "max_portions": MAX_PORTIONS, "max_test_samples": MAX_TEST_SAMPLES,
                "max_test_indices": MAX_TEST_INDICES, "max_portion_samples": MAX_PORTION_SAMPLES,
                "max_portion_indices": MAX_PORTION_INDICES, "max_sample_length": MAX_SAMPLE_LENGTH,
            },
            "commit_deadline": int(c.commit_deadline()) or None,
            "may_end_at": opened + int(c.min_duration_s()) if opened else None,
            "min_contributions": int(c.min_contributions()),
            "participation_deadline": int(c.participation_deadline()) or None,
            "reveal_deadline": int(c.reveal_deadline()) or None,
            "head": int(chain.blocks.head.number),
        }  # fmt: skip
        if phase == "committed":
            out["random_block"] = int(c.random_block())
            if out["first_portion"] is None and out["head"] >= out["random_block"]:
                out["first_portion"] = self._drawn_index(c)
        return out

    @staticmethod
    def _drawn_index(c) -> int | None:
        """The portion the block hash of `random_block` picks (what the draw will record)."""
        from ape import chain

        target = int(c.random_block())
        if int(chain.blocks.head.number) - target >= 256:
            return None
        block_hash = chain.provider.get_block(target).hash
        return int.from_bytes(bytes(block_hash), "big") % int(c.num_portions())

    # -- the provider's transactions ------------------------------------------------------------
    def prepare_provider(self, address: str, body: dict[str, Any]) -> dict[str, Any]:
        trainer = self.trainer(address)
        if trainer.mechanism != "market":
            raise DecaiError(f"{trainer.address} is a {trainer.kind} trainer, not a prediction market")
        sender = checksum(body.get("from") or "")
        action = body.get("action")
        view = self.provider_view(trainer.address, sender)
        c = trainer.contract
        if action == "commit":
            return self._prepare_commit(c, view, sender, body)
        if action == "first_index":
            return {"index": self._first_index(c, view)}
        if action in ("reveal_first", "reveal"):
            return self._prepare_reveal(c, view, sender, action, body)
        if action == "cancel":
            check_call("cancel", c.cancel, sender=sender)
            return {"tx": self._tx(sender, c.cancel, []), "summary": "cancel the market"}
        raise DecaiError(f"unknown provider step {action!r}")

    def _prepare_commit(self, c, view: dict[str, Any], sender: str, body: dict[str, Any]) -> dict[str, Any]:
        if view["phase"] != "setup" or view["num_portions"]:
            raise DecaiError(f"this market is already committed (phase {view['phase']}): a market takes one test set")
        if sender != view["owner"]:
            raise DecaiError(f"only the market's owner {view['owner']} may commit a test set and become its provider")
        hashes = body.get("hashes")
        if not isinstance(hashes, list) or not MIN_PORTIONS <= len(hashes) <= MAX_PORTIONS:
            raise DecaiError(f"a commitment holds {MIN_PORTIONS} to {MAX_PORTIONS} portion hashes")
        values = []
        for h in hashes:
            text = str(h).removeprefix("0x")
            if len(text) != 64 or any(ch not in "0123456789abcdefABCDEF" for ch in text):
                raise DecaiError(f"{h!r} is not a 32-byte portion hash")
            values.append(bytes.fromhex(text))
        try:
            bounty = parse_wei(str(body.get("bounty") or "").strip())
        except DecaiError as error:
            raise DecaiError(f"“Bounty”: {error}") from None
        stake = int(c.stake())
        if bounty < stake:
            raise DecaiError(f"the bounty ({format_ether(bounty)}) must be at least one stake ({format_ether(stake)})")
        self._funds(sender, bounty)
        check_call("commit", c.commit, values, sender=sender, value=bounty)
        return {
            "tx": self._tx(sender, c.commit, [values], bounty),
            "summary": f"commit {len(values)} portions with a bounty of {format_ether(bounty)}",
        }

    def _prepare_reveal(self, c, view, sender: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        phase, now = view["phase"], view["now"]
        if sender != view["provider"] and phase in ("committed", "participation", "reveal"):
            raise DecaiError(f"only the provider {view['provider']} may reveal the test set")
        if action == "reveal_first":
            if phase != "committed":
                raise DecaiError(f"the first portion follows the commitment; the market is in phase {phase}")
            if now >= view["commit_deadline"]:
                raise DecaiError("the time to reveal the first portion is over: anyone may cancel the market now")
            index = view["first_portion"]
            if index is None:
                raise DecaiError("the first portion is not drawn yet: ask which portion it is first")
            function, name = c.reveal_first_portion, "reveal_first_portion"
        else:
            if phase == "participation":
                early = view["may_end_at"] if view["contributions"] < view["min_contributions"] else now
                ends = min(view["participation_deadline"], early)
                raise DecaiError(
                    "the other portions are revealed after participation ends; "
                    + (f"you may end it in {_in(ends - now)}" if ends > now else "you may end it now")
                )
            if phase != "reveal":
                raise DecaiError(f"nothing to reveal: the market is in phase {phase}")
            if now >= view["reveal_deadline"]:
                raise DecaiError("the time to reveal is over: the bounty is forfeited and the stakes go back")
            index = view["next_portion"]
            function, name = c.reveal_portion, "reveal_portion"
        portion = self._portion(body, index, view)
        args = [index, *portion.args()]
        check_call(name, function, *args, sender=sender)
        tx = self._tx(sender, function, args)
        return {"tx": tx, "index": index, "summary": f"reveal portion {index} ({len(portion.samples)} samples)"}

    def _first_index(self, c, view: dict[str, Any]) -> int:
        """The portion to reveal first (sends nothing). On a development chain
        the block it is drawn from is mined first; elsewhere it is waited for."""
        if view["phase"] != "committed":
            raise DecaiError(f"the first portion follows the commitment; the market is in phase {view['phase']}")
        if view["first_portion"] is not None:
            return view["first_portion"]
        from ape import chain

        target = view["random_block"]
        if view["head"] - target >= 256:
            raise DecaiError("the draw expired (256 blocks passed): the market can only be cancelled")
        if not self.is_dev:
            raise DecaiError(
                f"the first portion is drawn from block {target}'s hash, not mined yet "
                f"(the chain is at block {view['head']}): try again in a minute"
            )
        # One block beyond the drawn one, as decai.market.client.Market.first_portion does.
        chain.mine(target + 1 - view["head"])
        index = self._drawn_index(c)
        assert index is not None
        return index

    @staticmethod
    def _portion(body: dict[str, Any], index: int, view: dict[str, Any]) -> Portion:
        data = body.get("portion")
        if not isinstance(data, dict):
            raise DecaiError(f"portion {index} is missing: load the secrets file first")
        try:
            portion = Portion.from_dict(data)
            portion.check(view["num_features"])
        except (KeyError, TypeError, ValueError, AttributeError, DecaiError) as error:
            raise DecaiError(f"portion {index} of the secrets file is not valid: {error}") from None
        if _hash_hex(portion.hash()) != view["hashes"][index]:
            raise DecaiError(
                f"portion {index} does not match its committed hash: is this the secrets file of this market?"
            )
        return portion
