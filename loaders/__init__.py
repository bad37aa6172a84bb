"""Loaders: drop-zone checks, validation against interfaces/, COPY into raw, rejects and reports."""
