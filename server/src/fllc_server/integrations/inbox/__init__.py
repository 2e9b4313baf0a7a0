"""The inbox: every inbound message lands here first (once per source and external id) and is
handled afterwards by the handler its source registered."""
