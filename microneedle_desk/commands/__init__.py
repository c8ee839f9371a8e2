"""Subcommands of ``microneedle-desk``: one module each, with ``add_parser`` and ``run``."""
