"""Passwords, tokens, sessions, the permission matrix and its dependencies."""
