"""Choosing the sending account (decai.apps.cli.load_account) on local and live networks."""

from types import SimpleNamespace

import pytest

from decai.apps.cli import is_live, load_account
from decai.errors import DecaiError


def _provider(is_dev: bool):
    return SimpleNamespace(network=SimpleNamespace(is_dev=is_dev))


def test_live_network__account_alias_required():
    assert is_live(_provider(False)) and not is_live(_provider(True))
    with pytest.raises(DecaiError, match="^choose the sending account with --account ALIAS on a live network$"):
        load_account(None, _provider(False))


def test_local_network__test_account_by_default(accounts):
    assert load_account(None, _provider(True)).address == accounts[0].address
    assert load_account("test::2", _provider(False)).address == accounts[2].address
    with pytest.raises(DecaiError, match="^no test account TEST::x$"):
        load_account("TEST::x", _provider(True))


def test_unknown_alias__one_line_error():
    with pytest.raises(DecaiError, match=r"^no account with alias 'nobody' \(see `ape accounts list`\)$"):
        load_account("nobody", _provider(False))
