"""Integrations with outside systems: each lands its inbound messages in the inbox first."""
