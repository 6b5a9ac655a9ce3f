"""Deployment manifests generated from the code: topics, Kafka users and ACLs, lag scaling."""
