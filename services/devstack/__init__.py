"""The development stack: a local broker and PostgreSQL started on this machine, and the three
services on them (``lead stack``, ``lead demo``, the tests). Not part of a deployment."""
