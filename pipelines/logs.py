"""Logging of the ``defwatch`` commands: one format on stderr, secrets redacted, no import noise.

``configure_logging()`` runs before any command (and so before Beam is imported):

- one handler on stderr, ``time LEVEL logger: message``, at WARNING unless told otherwise;
- ``connectors.redact.RedactingFilter`` on it, so no log line carries a secret;
- ``BeamImportNoise`` on the root logger: Beam's BigQuery client module logs
  "apitools not found …" through the root logger whenever Beam is imported without the GCP
  extras, which this project does not use. Only that record is dropped; every other warning
  is kept. (Beam logging it on the root logger also made ``logging.warning`` install a default
  handler before ours; configuring first prevents that too.)
"""
from __future__ import annotations

import logging
import sys

from connectors.redact import install_log_redaction

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class BeamImportNoise(logging.Filter):
    """Drops the one warning Beam logs on import when apitools (GCP extras) is missing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "root"
                    and str(record.msg).startswith("apitools not found")
                    and "apache_beam" in (record.pathname or ""))


def silence_beam_import_noise() -> None:
    """Drop Beam's import-time apitools record (done when ``pipelines`` is imported)."""
    root = logging.getLogger()
    if not any(isinstance(f, BeamImportNoise) for f in root.filters):
        root.addFilter(BeamImportNoise())


def configure_logging(level: int = logging.WARNING) -> None:
    """Set up the process's logging once (idempotent)."""
    silence_beam_import_noise()
    root = logging.getLogger()
    logging.basicConfig(level=level, format=FORMAT, stream=sys.stderr)
    install_log_redaction(root)
