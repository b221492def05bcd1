"""The collaborative-training simulation.

Modules: config, agents, data, backends (with transports and rpc), books,
engine, runner, report.
"""
