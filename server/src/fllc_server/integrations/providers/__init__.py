"""Integration providers: one class per vendor behind a base per kind, their switches and secrets."""
