"""The public explorer: pages for people that read the public API like any client (no login, no private data)."""
