"""Everything that talks to a chain: the trainer SDK, deployment, records, verification, export, nodes."""
