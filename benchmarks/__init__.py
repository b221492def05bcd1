"""Gas benchmarks (see market_gas.py for the prediction market)."""
