"""Thin Qt views over the core: they render state and send commands, nothing more."""
