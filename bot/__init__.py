"""Channels of the front desk: the channel-neutral talent turn (flows.py), Telegram (python-telegram-bot) and
the local terminal chat."""
