"""pipelines package of defection-watch."""

from pipelines.logs import silence_beam_import_noise

silence_beam_import_noise()  # before any pipelines module imports Beam
