"""Bit-exact Python mirrors of the contract modules: fixed point, contribution keys, mechanisms."""
