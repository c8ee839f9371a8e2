"""The application layer: the one way in for the screens and the command line (no Qt)."""
