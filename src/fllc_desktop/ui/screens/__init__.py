"""The screens and their registry."""
