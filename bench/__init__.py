"""Benchmarks at council scale: a seeded data generator, a load generator and an orchestrator.

Run with `make bench SCALE=small|medium|full` (README, "Benchmarks").
"""
