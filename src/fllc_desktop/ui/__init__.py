"""Widgets, screens and Qt models. No HTTP and no SQL here: screens talk to the services they get."""
