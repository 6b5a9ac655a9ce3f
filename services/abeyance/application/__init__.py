"""Abeyance's application layer: the command side that tells each abeyance what happened,
records what its decider rules, fires its timer and issues its notices, on a unit of work."""
