"""Channels of the front desk: Telegram (python-telegram-bot) and the local terminal chat."""
