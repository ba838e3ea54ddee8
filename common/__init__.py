"""Pieces every PolicyQA package shares: the settings object, the error hierarchy, text rules."""
