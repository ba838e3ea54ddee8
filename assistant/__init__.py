"""Question answering: query analysis, retrieval pipeline, answerers, eval, CLI."""
