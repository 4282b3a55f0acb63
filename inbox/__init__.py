"""The inbox: every talent message is recorded before it is answered, so that none is lost when a process
or the database fails. A message is answered, added to a ticket or, when nothing answered it in time,
turned into a ticket; while the database is down, messages wait in a local spool."""
