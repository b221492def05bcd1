"""`ape console` as a user types it, in a separate process: a network it
cannot connect to is one line `error: ...` and exit status 1, as with the
`ape run` scripts (decai's Ape plugin, ape_decai.py, gives the console the
scripts' connection); a console that connects is quiet.

In a fresh clone the virtualenv lies inside the project, and Ape prints
every frame of a failure whose file is under the project: its own code's,
some 70 lines. Here the virtualenv may be a link to another checkout, and
its compiled files name that checkout; so the console runs with its
bytecode cached elsewhere (PYTHONPYCACHEPREFIX), compiled from this
checkout's paths, and `test_console__without_decai_plugin__ape_prints_its_frames`
shows that this reproduces Ape's traceback.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.helpers.scripts import ROOT, TRACE_MARKS, closed_port

#: The project's own interpreter and Ape, by their paths inside the project (as in a fresh clone).
PYTHON, APE = ROOT / ".venv" / "bin" / "python", ROOT / ".venv" / "bin" / "ape"
SEPOLIA_FORK = "ethereum:sepolia-fork:foundry"
UNSET = "error: SEPOLIA_RPC_URL is not set: export SEPOLIA_RPC_URL=https://... (see docs/NETWORKS.md)"


@pytest.fixture(scope="module")
def pycache(tmp_path_factory):
    return tmp_path_factory.mktemp("pycache")


def console(pycache, *args: str, stdin: str = "exit\n", plugin: bool = True, **env: str | None):
    """`ape console *args` from the project's root, its input `stdin`."""
    environment = dict(os.environ, PYTHONPATH=str(ROOT) if plugin else "", PYTHONPYCACHEPREFIX=str(pycache))
    environment.pop("PYTHONDONTWRITEBYTECODE", None)  # keep the compiled files for the next run
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [str(PYTHON), str(APE), "console", *args],
        cwd=ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_console__sepolia_fork_without_rpc_url__one_line_naming_the_variable(pycache):
    done = console(pycache, "--network", SEPOLIA_FORK, SEPOLIA_RPC_URL=None, APE_FOUNDRY_HOST=None)
    assert done.returncode == 1
    assert (done.stdout + done.stderr).splitlines() == [UNSET]


def test_console__without_decai_plugin__ape_prints_its_frames(pycache):
    """The same failure when Ape does not find decai's plugin (the project's
    root not on PYTHONPATH): Ape's traceback, which the plugin replaces."""
    done = console(pycache, "--network", SEPOLIA_FORK, plugin=False, SEPOLIA_RPC_URL=None, APE_FOUNDRY_HOST=None)
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert 'File "' in output and len(output.splitlines()) > 20
    assert "(ConfigError) Invalid uri: ${SEPOLIA_RPC_URL}" in output


def test_console__verbosity_debug__the_traceback_then_the_line(pycache):
    done = console(pycache, "--network", SEPOLIA_FORK, "-v", "DEBUG", SEPOLIA_RPC_URL=None, APE_FOUNDRY_HOST=None)
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert done.stderr.splitlines()[-1] == UNSET


def test_console__no_node_at_ape_foundry_host__one_line(pycache):
    port = closed_port()
    dead = f"http://127.0.0.1:{port}"
    done = console(pycache, "--network", "ethereum:local:foundry", APE_FOUNDRY_HOST=dead)
    assert done.returncode == 1
    assert (done.stdout + done.stderr).splitlines() == [
        f"error: no node at {dead} (APE_FOUNDRY_HOST) — start one with `anvil --port {port}` "
        "(`make node` listens on 8545)"
    ]


def test_console__local_network__quiet_capped_and_decai_helpers_loaded(pycache):
    questions = (
        "print('helpers', callable(trainer))\n"
        "print('gas cap', '--enable-tx-gas-limit' in open(f'/proc/{chain.provider.process.pid}/cmdline').read())\n"
        "print('sent', account().transfer(account('TEST::1'), 1).status)\n"
    )
    done = console(pycache, "--network", "ethereum:local:foundry", stdin=questions, APE_FOUNDRY_HOST=None)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "helpers True" in done.stdout
    assert "gas cap True" in done.stdout  # the anvil Ape started enforces EIP-7825's cap
    output = done.stdout + done.stderr
    assert "sent 1" in done.stdout  # a transaction, and no `INFO: Confirmed` line for it
    assert "INFO:" not in output and "Confirmed" not in output and "anvil" not in output
    assert not any(mark in output for mark in TRACE_MARKS), output
