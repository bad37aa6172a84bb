"""Benchmarks (make bench). Results are written to bench/results/ with the command that produced them."""
