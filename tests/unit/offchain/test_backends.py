"""Both simulation backends keep the `Backend` contract the engine is typed against."""

import inspect

import pytest

from decai.simulation.backends import Backend, ChainBackend, ReferenceBackend

METHODS = [name for name, value in vars(Backend).items() if inspect.isfunction(value) and not name.startswith("_")]


def test_backend_protocol__states_the_thirteen_shared_methods_and_three_attributes():
    assert len(METHODS) == 13
    assert set(Backend.__annotations__) == {"name", "addresses", "upfront_gas_cost"}


@pytest.mark.parametrize("backend", [ChainBackend, ReferenceBackend])
@pytest.mark.parametrize("method", METHODS)
def test_backend__each_method_of_the_protocol__same_parameters(backend, method):
    ours = inspect.signature(getattr(backend, method))
    contract = inspect.signature(getattr(Backend, method))
    assert list(ours.parameters) == list(contract.parameters)
