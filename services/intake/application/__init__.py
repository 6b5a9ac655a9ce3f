"""Intake's application layer: commands, their handlers and the unit of work they run in.

No HTTP and no Kafka here: the entrypoints turn requests and messages into commands and map
the answers and refusals back, each in one place."""
