"""Options, graph construction and the command line of newsbeam."""
import logging


class _DropBeamImportNoise(logging.Filter):
    """apache_beam warns about optional GCP client libraries on import; it is not our users'
    concern on a local run, and it reads like an error."""

    def filter(self, record):
        return "apitools not found" not in record.getMessage()


logging.getLogger().addFilter(_DropBeamImportNoise())
