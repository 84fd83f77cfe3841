"""deploy package of defection-watch."""
