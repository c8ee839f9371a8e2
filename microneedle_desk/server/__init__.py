"""The clinic server: one PostgreSQL database that the treatment-room laptops meet on.

Every laptop keeps working on its own data folder; when it can reach the server it pushes
what the server lacks and pulls what it needs (:mod:`.sync`). Qt-free: the app runs the
same code in a worker thread, the CLI runs it directly. Talks to PostgreSQL through
psycopg 3 only; nothing here runs as a server process of its own.
"""
