"""Reading a talent's conversation: what each message asks, given what was said before (no Rasa here)."""
