"""The console sessions shown in the README and docs/NETWORKS.md, replayed.

Every `In [n]:` line of a block that starts with `$ ape console` runs in the
namespace `ape console` gets from ape_console_extras.py, and whatever the
console would display (IPython's pretty form of the last expression) must
be the `Out[n]:` shown. The sessions are replayed on the local test chain
against the built-in breast-cancer trainer recorded as "bc" (the deploy
script's defaults), its first block 50 s after the deployment as in the
docs (the deposit falls with the square root of the time since the last
update: 0.514286 ETH from 49 to 63 s). What differs
between chains is masked: dates, contract addresses, the chain's clock and
the network name of the record.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from IPython.lib.pretty import pretty

import ape_console_extras
from decai.chain.deploy import deploy_trainer
from decai.chain.records import deployment_record, save_record
from decai.core.mechanisms import DepositParameters
from decai.data.training import default_model
from tests.helpers.scripts import SAMPLE

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "docs" / "NETWORKS.md"]
#: Seconds between the deployment and the session's first block in the docs.
SESSION_DELAY = 50
DAY = 86_400


def transcripts(path: Path) -> list[list[tuple[str, str | None]]]:
    """Each console block of `path` as [(code, what the console shows or None)]."""
    blocks = re.findall(r"```\n(\$ ape console[^\n]*\n.*?)```", path.read_text(), flags=re.S)
    sessions = []
    for block in blocks:
        steps: list[tuple[str, list[str] | None]] = []
        for line in block.splitlines()[1:]:
            entry = re.match(r"In \[\d+\]: (.*)$", line)
            shown = re.match(r"Out\[\d+\]:\s?(.*)$", line)
            if entry:
                steps.append((entry.group(1), None))
            elif shown:
                steps[-1] = (steps[-1][0], [shown.group(1)] if shown.group(1) else [])
            elif line.strip() and steps and steps[-1][1] is not None:
                steps[-1][1].append(line)
        sessions.append([(code, None if out is None else "\n".join(out)) for code, out in steps])
    return sessions


SESSIONS = [(f"{path.name}#{i}", session) for path in DOCS for i, session in enumerate(transcripts(path))]


def mask(text: str) -> str:
    text = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", "<date>", text)
    text = re.sub(r"0x[0-9a-fA-F]{40}", "<address>", text)
    return text.replace("ethereum:sepolia", "ethereum:local")


def run(code: str, namespace: dict) -> str | None:
    """Run a console line; the pretty form of its last expression, as IPython shows it."""
    code = code.replace("17.99,10.38,122.8,1001,...,0.1189", SAMPLE)  # the README elides the sample
    tree = ast.parse(code)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body = tree.body[:-1]
    exec(compile(tree, "<console>", "exec"), namespace)
    if last is None:
        return None
    value = eval(compile(ast.Expression(last.value), "<console>", "eval"), namespace)
    return None if value is None else pretty(value, max_width=79)


def test_docs__have_console_sessions():
    assert [name for name, _ in SESSIONS] == ["README.md#0", "NETWORKS.md#0"]


@pytest.mark.parametrize("name, session", SESSIONS, ids=[name for name, _ in SESSIONS])
def test_console_session__replayed__shows_what_the_docs_show(name, session, accounts, chain, tmp_path, monkeypatch):
    monkeypatch.setenv("DECAI_DEPLOYMENTS", str(tmp_path))
    monkeypatch.delenv("DECAI_ACCOUNT", raising=False)
    model = default_model()[0]
    parameters = DepositParameters(
        refund_wait_s=DAY, owner_claim_wait_s=10 * DAY, any_address_claim_wait_s=20 * DAY, cost_weight=10**15
    )
    deployment = deploy_trainer(model, parameters, accounts[0], progress=False)
    record = deployment_record(deployment, model, parameters, accounts[0], chain.provider, 0)
    save_record("ethereum", "local", "bc", record)
    chain.mine(timestamp=int(deployment.contract.last_update_time()) + SESSION_DELAY)
    namespace = dict(vars(ape_console_extras))
    differences = []
    for code, shown in session:
        # Anvil's next block time follows the wall clock; each line is typed a second after the last block.
        chain.pending_timestamp = chain.blocks.head.timestamp + 1
        display = run(code, namespace)
        if code.startswith("wait(") and "refund" not in code:
            continue  # the chain's clock
        if mask(display or "") != mask(shown or ""):
            differences.append(f"In: {code}\nshown:   {shown}\nconsole: {display}")
    assert not differences, "\n\n".join(differences)
