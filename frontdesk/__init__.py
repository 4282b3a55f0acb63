"""Shared plumbing of the front desk: configuration, database, language, process supervision."""
