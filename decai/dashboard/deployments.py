"""Deploying a model file from the browser: the plan (every transaction's
data and gas, for the wallet to send in order) and, once they are all
mined, the deployment record that lists the new trainer.

`Deployments` is mixed into `decai.dashboard.service.Service`, whose
`provider`, `_funds` and trainer cache it uses.
"""

from __future__ import annotations

from typing import Any

from decai.dashboard.common import checksum, ether, known_contract
from decai.errors import DecaiError
from decai.units import to_hex

#: The deploy form's labels, by the field names the page sends.
FIELDS = {
    "refund_wait": "“Refund wait”",
    "owner_claim_wait": "“Owner may take leftovers after”",
    "any_claim_wait": "“Anyone may take leftovers after”",
    "cost_weight": "“Cost weight (wei)”",
}
EXAMPLES = {
    "refund_wait": "enter a duration such as 1d",
    "owner_claim_wait": "enter a duration such as 10d",
    "any_claim_wait": "enter a duration such as 20d",
    "cost_weight": "enter an amount in wei such as 1e15 (0 for no deposit)",
}
#: The parameters' own names (as decai.core.mechanisms words its messages) -> the form's labels.
_NAMES = {
    "owner_claim_wait_s": FIELDS["owner_claim_wait"],
    "any_address_claim_wait_s": FIELDS["any_claim_wait"],
    "refund_wait_s": FIELDS["refund_wait"],
    "cost_weight": FIELDS["cost_weight"],
}


def labelled(message: str) -> str:
    """`message` with the parameters' internal names replaced by the form's labels."""
    for name, label in _NAMES.items():
        message = message.replace(name, label)
    return message


class Deployments:
    """Plan and record a deployment (see the module)."""

    def mechanism_parameters(self, mechanism: str, params: dict[str, Any]):
        """The parameters the form gave; every message names a field by its label."""
        from decai.core.mechanisms import DepositParameters, PointsParameters
        from decai.units import parse_duration, parse_wei

        if mechanism == "market":  # the provider's create form (decai.dashboard.provider)
            return self.market_parameters(params)
        if mechanism not in ("deposit", "points"):
            raise DecaiError(f"choose the deposit or points mechanism, not {mechanism!r}")
        keys = ["refund_wait"]
        if mechanism == "deposit":
            keys += ["owner_claim_wait", "any_claim_wait", "cost_weight"]
        values: dict[str, int] = {}
        for key in keys:
            text = str(params.get(key) if params.get(key) is not None else "").strip()
            if not text:
                raise DecaiError(f"{FIELDS[key]} is empty: {EXAMPLES[key]}")
            try:
                values[key] = parse_wei(text) if key == "cost_weight" else parse_duration(text)
            except DecaiError as error:
                raise DecaiError(f"{FIELDS[key]}: {error}") from None
        try:
            if mechanism == "points":
                return PointsParameters(refund_wait_s=values["refund_wait"])
            return DepositParameters(
                refund_wait_s=values["refund_wait"],
                owner_claim_wait_s=values["owner_claim_wait"],
                any_address_claim_wait_s=values["any_claim_wait"],
                cost_weight=values["cost_weight"],
            )
        except DecaiError as error:
            raise DecaiError(labelled(str(error))) from None

    @staticmethod
    def warnings(parameters) -> list[str]:
        """What a deployer should confirm before deploying these parameters."""
        out = []
        if parameters.mechanism == "market":
            return out
        if parameters.mechanism == "deposit" and parameters.cost_weight == 0:
            out.append(
                f"{FIELDS['cost_weight']} is 0: adding data costs nothing, so nothing stops spam "
                "and reporters have nothing to take"
            )
        if parameters.refund_wait_s == 0:
            what = "its point" if parameters.mechanism == "points" else "its deposit back"
            out.append(
                f"{FIELDS['refund_wait']} is 0: a contributor may claim {what} in the same block it adds, "
                "before anyone can check the contribution"
            )
        return out

    def existing_record(self, name: str) -> dict[str, Any] | None:
        from decai.chain.records import load_records

        network = self.provider.network
        record = load_records(network.ecosystem.name, network.name).get(name)
        return {"name": name, "address": record.get("address")} if record else None

    def plan(self, body: dict[str, Any]) -> dict[str, Any]:
        from decai.chain.deploy import _deploy_transaction, plan_deployment
        from decai.models.base import model_from_dict

        sender = checksum(body.get("from") or "")
        model = model_from_dict(body.get("model"), body.get("filename") or "the model file")
        parameters = self.mechanism_parameters(body.get("mechanism") or "deposit", body.get("params") or {})
        plan = plan_deployment(model, parameters, sender)
        words = plan.words
        creation = _deploy_transaction(
            plan.container, model, parameters, words[: plan.in_constructor], plan.finish_now, sender
        )
        steps = [{"label": "deploy", "to": None, "data": to_hex(creation.data), "gas": plan.transactions[0].gas}]
        abi = plan.container.contract_type
        init = next(m for m in abi.methods if m.name == "init_parameters")
        finish = next(m for m in abi.methods if m.name == "finish_setup")
        ecosystem = self.provider.network.ecosystem
        for (start, end), planned in zip(plan.chunks, plan.transactions[1:]):
            data = ecosystem.encode_calldata(init, start, words[start:end])
            steps.append(
                {
                    "label": planned.name,
                    "to": "deployed",
                    "data": to_hex(ecosystem.get_method_selector(init) + bytes(data)),
                    "gas": planned.gas,
                }
            )
        if not plan.finish_now:
            steps.append(
                {
                    "label": "finish_setup",
                    "to": "deployed",
                    "data": to_hex(ecosystem.get_method_selector(finish)),
                    "gas": plan.transactions[-1].gas,
                }
            )
        from ape import chain

        from decai.chain.node import TX_GAS_CAP

        most = min(int(chain.blocks.head.gas_limit), TX_GAS_CAP)
        for step in steps:
            step["value"] = "0x0"
            # Room over the estimate, but never above the block's gas limit or the per-transaction cap.
            step["gas_hex"] = hex(min(int(step["gas"] * 1.3) + 100_000, most))
        gas_price = int(self.provider.gas_price or 0)
        total_gas = sum(s["gas"] for s in steps)
        cost = gas_price * total_gas
        self._funds(sender, cost)
        name = (body.get("name") or model.name).strip() or model.name
        return {
            "name": name,
            "existing": self.existing_record(name),
            "warnings": self.warnings(parameters),
            "contract": plan.contract_name,
            "steps": steps,
            "words": len(words),
            "total_gas": total_gas,
            "gas_price_gwei": f"{gas_price / 1e9:.3f}",
            "cost": ether(cost),
            "model": model.name,
            "model_type": model.type,
            "classes": model.classes,
            "mechanism": parameters.to_dict(),
        }

    def record_deployment(self, body: dict[str, Any]) -> dict[str, Any]:
        """Write the deployment record once the browser's wallet has sent every step."""
        from decai.chain.contracts import contract_at, contract_container
        from decai.chain.deploy import Deployment
        from decai.chain.records import deployment_record, save_record
        from decai.models.base import model_from_dict

        model = model_from_dict(body.get("model"), "the model file")
        name = (body.get("name") or model.name).strip() or model.name
        existing = self.existing_record(name)
        if existing and body.get("replace") is not True:
            raise DecaiError(
                f"a record named {name!r} already exists ({existing['address']}): nothing was recorded; "
                "confirm replacing it on the page, or choose another name"
            )
        parameters = self.mechanism_parameters(body.get("mechanism") or "deposit", body.get("params") or {})
        hashes = list(body.get("hashes") or [])
        if not hashes:
            raise DecaiError("no deployment transactions to record")
        receipts = [self.provider.get_receipt(h) for h in hashes]
        address = receipts[0].contract_address
        if not address:
            raise DecaiError("the first transaction did not create a contract")
        if known_contract(address) is None:
            raise DecaiError(f"{address} does not hold a decai trainer's code")
        container = contract_container(parameters.mechanism, model.type)
        contract = contract_at(container, address)
        if not bool(contract.setup_finished()):
            raise DecaiError("the deployment is not finished: its setup is still open")
        labels = body.get("labels") or ["deploy"] * len(receipts)
        deployment = Deployment(
            contract,
            container.contract_type.name,
            [(label, int(r.gas_used)) for label, r in zip(labels, receipts)],
            receipts[0].block_number,
            hashes[0],
        )

        class _Sender:  # deployment_record reads only .address
            address = checksum(body.get("from") or receipts[0].sender)

        record = deployment_record(deployment, model, parameters, _Sender, self.provider, 1)
        network = self.provider.network
        save_record(network.ecosystem.name, network.name, name, record)
        self._trainers.pop(checksum(address), None)
        return {"address": checksum(address), "name": name}
