"""Offline sync: command kinds shared with REST writes, push of op batches, pull of changes."""
