"""transforms package of defection-watch."""
