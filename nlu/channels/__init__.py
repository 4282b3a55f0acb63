"""Custom Rasa input channels (loaded by Rasa in its own environment, named in credentials.yml)."""
