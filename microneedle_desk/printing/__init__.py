"""Paper: the session sheet, the blank sheet and the patient's aftercare handout.

``content`` builds what goes on paper as plain data (no Qt), ``sheet`` turns it into
HTML, ``render`` lays it out on pages (PDF, printer, preview: one path) and ``jobs``
gathers the facts from the store and settings.
"""
