"""Cube service: cube models (cube/cubes/*.yaml), Slicer-style query building and the HTTP API."""
