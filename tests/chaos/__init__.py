"""The fault-injection run: `make chaos` (command) and `tests/chaos/test_chaos.py` (CI)."""
