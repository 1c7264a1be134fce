"""Benchmarks and the national-scale synthetic data they run against (see README.md, "Benchmarks")."""
