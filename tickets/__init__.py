"""Ticket store: tickets and their audit trail, the verbs people may use on them (commands.py), SLA deadlines
in working time, escalation up the ladder to the talent's contact leader, and the sweep. Stands on frontdesk/,
people/ and notifications/."""
