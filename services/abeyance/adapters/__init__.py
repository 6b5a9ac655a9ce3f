"""Where abeyance keeps things: PostgreSQL (production) and memory (handler tests)."""
