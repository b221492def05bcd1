"""The SDK outside this checkout: a plain script in an empty folder deploys
and uses a trainer (the contract types come with the package, not from
`ape.project`), and the README's SDK snippet runs as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from decai.chain.deploy import deploy_trainer
from decai.chain.node import Anvil
from decai.chain.trainer import Trainer
from tests.helpers.chain import PARAMETERS, sparse_model

ROOT = Path(__file__).resolve().parents[2]

ANYWHERE = textwrap.dedent(
    """
    from pathlib import Path

    from ape import accounts, networks, project

    from decai.chain.node import Anvil
    from decai.core.fixed_point import ONE
    from decai.models import SparsePerceptron
    from decai.sdk import DepositParameters, Trainer, deploy_trainer

    assert Path(project.path).resolve() == Path.cwd().resolve() and not Path("contracts").exists()
    model = SparsePerceptron(
        name="anywhere", description="all weights 2", encoder="indices",
        weights=[2 * ONE] * 20, intercept=0, learning_rate=ONE,
    )
    with Anvil() as node:
        with networks.parse_network_choice("ethereum:local:foundry", provider_settings={"host": node.url}):
            owner, contributor = accounts.test_accounts[0], accounts.test_accounts[1]
            deployment = deploy_trainer(model, DepositParameters(), owner, progress=False)
            trainer = Trainer.at(deployment.contract.address)
            print("repr", repr(trainer))
            print("predict", trainer.predict([1, 5]))
            contribution = trainer.add_data([1, 5], 1, sender=contributor)
            print("added", contribution.label, contribution.deposit > 0)
            print("contributions", len(trainer.contributions(author=contributor.address)))
    """
)

# What `ape run deploy --name bc` does, on the node at APE_FOUNDRY_HOST,
# recording into $DECAI_DEPLOYMENTS.
DEPLOY_BC = textwrap.dedent(
    """
    from ape import accounts, networks

    from decai.chain.records import deployment_record, save_record
    from decai.data.training import default_model
    from decai.sdk import DepositParameters, deploy_trainer

    with networks.parse_network_choice("ethereum:local:foundry") as provider:
        owner, model, parameters = accounts.test_accounts[0], default_model()[0], DepositParameters()
        deployment = deploy_trainer(model, parameters, owner, progress=False)
        save_record("ethereum", "local", "bc", deployment_record(deployment, model, parameters, owner, provider, 0))
    """
)


def _run_script(folder: Path, name: str, code: str, **env) -> subprocess.CompletedProcess:
    script = folder / name
    script.write_text(code)
    environment = dict(os.environ, PYTHONPATH=str(ROOT), APE_DATA_FOLDER=str(folder / "ape-data"), **env)
    return subprocess.run(
        [sys.executable, str(script)], cwd=folder, env=environment, capture_output=True, text=True, timeout=300
    )


def _printed(stdout: str) -> list[str]:
    """What the script printed, without Ape's log lines ("INFO:     ...")."""
    return [line for line in stdout.splitlines() if not re.match(r"(DEBUG|INFO|SUCCESS|WARNING|ERROR):\s", line)]


def readme_sdk_snippet() -> str:
    """The ```python block under "## Using a trainer" in README.md."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Using a trainer\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```python\n(.*?)^```$", section, flags=re.S | re.M)
    assert len(blocks) == 1, "the section should hold exactly one python block"
    return blocks[0]


def test_trainer_repr__deployed__name_kind_and_address(owner):
    trainer = Trainer(deploy_trainer(sparse_model(40), PARAMETERS, owner, progress=False).contract)
    assert repr(trainer) == f"<Trainer 'test sparse' deposit/sparse_perceptron at {trainer.address}>"


def test_sdk__plain_script_outside_checkout__deploys_attaches_predicts_adds(tmp_path):
    result = _run_script(tmp_path, "anywhere.py", ANYWHERE)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = _printed(result.stdout)
    assert re.fullmatch(r"repr <Trainer 'anywhere' deposit/sparse_perceptron at 0x[0-9a-fA-F]{40}>", lines[0])
    assert lines[1:] == ["predict 1", "added 1 True", "contributions 1"]


def test_readme_sdk_snippet__after_deploying_bc__runs_as_written(tmp_path):
    snippet = readme_sdk_snippet()
    records = tmp_path / "deployments"
    with Anvil() as node:
        env = {"APE_FOUNDRY_HOST": node.url, "DECAI_DEPLOYMENTS": str(records)}
        deployed = _run_script(tmp_path, "deploy_bc.py", DEPLOY_BC, **env)
        assert deployed.returncode == 0, deployed.stderr[-3000:]
        result = _run_script(tmp_path, "snippet.py", snippet, **env)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = _printed(result.stdout)
    assert re.fullmatch(r"<Trainer 'breast-cancer perceptron' deposit/dense_perceptron at 0x[0-9a-fA-F]{40}>", lines[0])
    assert lines[1] in ("0", "1")
    assert len(lines) == 3 and lines[2].startswith("[Contribution(") and lines[2].count("Contribution(") == 1
