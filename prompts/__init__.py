"""Prompt templates as data files (Chinese), loaded by name."""
