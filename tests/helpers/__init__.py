"""What the tests share besides fixtures (those live in the conftest files).

- `chain`: the standard deposit parameters, small perceptrons, moving the
  clock, revert reasons by eth_call, and quieting Ape's revert display.
- `data`: real and synthetic data sets, deploying any model, reading
  predictions and words back from a trainer, CSV files for the pipelines.
- `models`: small models of every other type with room for one more class.
- `market`: the market's rule, test sets, portions and contributions.
- `scripts`: running `ape run ...` as a user does, against a test node.
"""
