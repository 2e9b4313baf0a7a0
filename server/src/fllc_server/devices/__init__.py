"""The syncing devices (tablets, desktops) as their sync pushes describe them: the admins' view."""
