"""Shared plumbing: database sessions, errors, schemas, pagination, commands."""
