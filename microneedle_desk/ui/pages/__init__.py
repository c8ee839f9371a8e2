"""One page per step of the session."""
