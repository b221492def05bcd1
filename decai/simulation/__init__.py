"""The collaborative-training simulation: configuration, agents, data, backends, engine, report."""
