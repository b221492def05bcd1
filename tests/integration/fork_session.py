"""A console session on a fork, run by test_networks.py as its own process.

    python tests/integration/fork_session.py NETWORK TRAINER VALUES OUTPUT_CSV

Connects to NETWORK (ethereum:sepolia-fork:foundry: Ape starts an anvil
forking the Sepolia RPC), then does what a user would do in `ape console`
with the helpers of ape_console_extras.py: find the trainer by its record
name, predict, add data, let a day pass, see what can be claimed, refund,
and export the data set. Prints one JSON object with what it saw; exits 1
with {"error": ...} if anything fails. Leaving the network context stops
the fork.
"""

from __future__ import annotations

import json
import sys


def main(network: str, reference: str, values: str, output: str) -> dict:
    from ape import chain, networks

    with networks.parse_network_choice(network):
        import ape_console_extras as console
        from decai.chain.export import export_dataset

        bc = console.trainer(reference)
        prediction = console.predict(bc, values)
        me = console.account("TEST::2")
        added = console.add(bc, values, prediction.label, sender=me)
        before_wait = [state.why_not for state in console.mine(bc, me)]
        console.wait("1d")
        claimable = [state.claimable for state in console.claimable_now(bc, me)]
        refunded = console.refund(bc, sender=me)
        summary = export_dataset(bc, output, progress=False)
        return {
            "chain_id": chain.provider.chain_id,
            "fork_block": chain.blocks.head.number,
            "address": bc.address,
            "record_block": bc.record["block"],
            "prediction": [prediction.label, prediction.name],
            "deposit": added.deposit,
            "before_wait": before_wait,
            "claimable": claimable,
            "refunded": refunded,
            "exported_rows": summary.rows,
            "export_start_block": summary.start_block,
        }


if __name__ == "__main__":
    try:
        print(json.dumps(main(*sys.argv[1:5])))
    except Exception as error:  # reported to the test, which shows it
        print(json.dumps({"error": f"{error.__class__.__name__}: {error}"}))
        sys.exit(1)
