"""Supplier EDI: the X12 codec (`x12`, database-free), trading partners, transports and flows."""
