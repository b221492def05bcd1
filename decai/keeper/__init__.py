"""The keeper bot and the model's health over time (see docs/KEEPER.md).

- `decisions`, `markets`: what to do, as pure functions over plain values;
- `state`: the keeper's JSON file (a cache of the chain, restart-safe);
- `runner`: one round over the chain (`Keeper.tick`), through the SDK's pre-checks;
- `monitor`: accuracy on a held-out set at fixed blocks, a CSV series, alerts;
- `service`: building a keeper from flags or the environment, the polling loop.
"""
