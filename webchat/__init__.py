"""The web chat for talents: the kiosk at the service window and the district's website (a channel, like bot/,
on the same talent turn, Rasa REST channel, tickets and outbox)."""
