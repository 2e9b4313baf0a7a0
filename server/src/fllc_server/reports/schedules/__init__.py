"""Scheduled reports: a report mailed to a list of addresses on a cron schedule, with its history."""
