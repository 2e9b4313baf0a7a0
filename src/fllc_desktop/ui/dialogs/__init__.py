"""Dialogs: product edit, version conflict, users, sign-in again."""
