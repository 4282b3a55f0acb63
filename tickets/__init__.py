"""Ticket store: tickets, their audit trail, the contact roster, escalation and the outbox."""
