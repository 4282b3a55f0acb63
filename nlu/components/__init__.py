"""Custom Rasa pipeline components (loaded by Rasa in its own environment)."""

from nlu.components import action_responses  # noqa: F401  (applied when Rasa loads the components)
