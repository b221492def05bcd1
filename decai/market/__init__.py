"""The prediction market: encoding, the reward reference, the client, the provider's files, demo and gas."""
