"""connectors package of defection-watch."""
