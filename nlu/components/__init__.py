"""Custom Rasa pipeline components (loaded by Rasa in its own environment)."""
