"""pipelines package of defection-watch."""
