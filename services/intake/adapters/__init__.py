"""Where intake keeps things: PostgreSQL (production) and memory (handler tests)."""
