"""The ways into intake: the HTTP API and the inbound topic, thin adapters onto its handlers."""
