"""The clinical core: protocol, session state machine, countdowns, validation, record schema.

Nothing in this package may import Qt (tests/test_core_is_qt_free.py keeps it so).
"""
