"""API clients: who calls the API (organisations and their keys), how much (rate limits), and how often (usage)."""
