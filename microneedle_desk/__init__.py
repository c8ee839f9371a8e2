"""microneedle_desk: the treatment-room companion for scalp microneedling."""

__version__ = "0.1.0"
APP_NAME = "microneedle-desk"
ORG_NAME = "microneedle-desk"
