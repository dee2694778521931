"""Benchmarks of allocator: `python -m benchmarks [--quick] [NAME ...]`."""
