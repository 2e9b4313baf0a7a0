"""Typed system settings, stored as rows, validated as one model."""
