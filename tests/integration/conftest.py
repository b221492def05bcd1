"""Fixtures for the modules that drive the scripts as a user would."""

from __future__ import annotations

import pytest

from decai.chain.node import Anvil
from tests.helpers.scripts import ScriptSession


@pytest.fixture(scope="module")
def anvil(tmp_path_factory):
    """A node of the module's own (traced reverts, as a user's), and a records folder."""
    with Anvil(untraced=False) as node:
        yield node.url, tmp_path_factory.mktemp("deployments")


@pytest.fixture(scope="module")
def session(anvil):
    """One long-lived `ape run` worker on that node (see ScriptSession)."""
    with ScriptSession(*anvil) as scripts:
        yield scripts
