"""Qt item models over server pages."""
