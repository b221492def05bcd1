"""The provider's secrets file (decai.market.files): private, atomic, never
over an existing file, and present only for a commitment that went through."""

from __future__ import annotations

import stat

import pytest

from decai.errors import DecaiError, Rejected
from decai.market.files import load_portions, pending_portions, save_portions
from tests.helpers.market import make_portions


def test_save_portions__new_file__mode_0600_and_reads_back(tmp_path):
    portions = make_portions()
    path = tmp_path / "portions.json"
    save_portions(path, portions, market="0xabc")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_portions(path) == portions
    assert [p.name for p in tmp_path.iterdir()] == ["portions.json"]


def test_save_portions__file_exists__refused_and_untouched(tmp_path):
    path = tmp_path / "portions.json"
    path.write_text("secret")
    with pytest.raises(DecaiError, match=r"portions.json exists; refusing to overwrite a provider's secret file$"):
        save_portions(path, make_portions())
    assert path.read_text() == "secret"


def test_pending_portions__commit_refused__no_file_left(tmp_path):
    path = tmp_path / "portions.json"
    with pytest.raises(Rejected, match="^commit rejected: ownership: caller is not the owner$"):
        with pending_portions(path, make_portions()):
            raise Rejected("commit rejected: ownership: caller is not the owner")
    assert list(tmp_path.iterdir()) == []


def test_pending_portions__outcome_unknown__secrets_kept_and_named(tmp_path):
    path = tmp_path / "portions.json"
    with pytest.raises(
        DecaiError, match=r"^node went away; the commitment may have been sent: its portions are kept in "
    ) as raised:
        with pending_portions(path, make_portions()):
            raise ConnectionError("node went away")
    kept = [p for p in tmp_path.iterdir()]
    assert len(kept) == 1 and str(kept[0]) in str(raised.value) and not path.exists()
    assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    assert load_portions(kept[0]) == make_portions()


def test_pending_portions__during_the_block__only_a_temporary_file(tmp_path):
    path = tmp_path / "portions.json"
    with pending_portions(path, make_portions()) as temporary:
        assert not path.exists() and temporary.exists() and temporary.parent == tmp_path
    assert path.exists() and not temporary.exists()


def test_load_portions__not_a_portions_file__one_line_naming_it(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"format": "something else"}')
    with pytest.raises(DecaiError, match=r"other.json is not a decai portions file$"):
        load_portions(path)
