"""People: the roster of staff, officers and leaders (with the talents each leader keeps in contact with),
the talent registry of green-card holders, and messengers bound to their cards. Imports only frontdesk/."""
