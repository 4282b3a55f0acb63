"""Notifications: the outbox every change someone must hear of is written to, in the same transaction, and
its delivery state (due, delivered, postponed, failed). Imports only frontdesk/."""
