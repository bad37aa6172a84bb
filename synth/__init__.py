"""Synthetic production drops: realistic Beijing-scale monthly interface files from interfaces/ specs."""
