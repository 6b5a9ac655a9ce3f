"""The ways into abeyance: the referral-events consumer, the timer scheduler, the HTTP API."""
