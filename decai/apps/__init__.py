"""What users run: CLI helpers, console helpers, the demo and the gas benchmark."""
