"""schemas package of defection-watch."""
