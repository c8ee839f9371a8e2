"""The store: the only code that touches TinyDB and the files in the data folder."""
