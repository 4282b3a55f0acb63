"""The web back office for window staff, contact leaders and administrators: accounts and sessions
(models, accounts), the permission layer for pages (permissions), and the Starlette application (app,
pages per domain). Tickets are worked through tickets.commands, as on Telegram and the CLI."""
