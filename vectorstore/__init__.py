"""Chroma access (embedded or server), embeddings, the derived lexical index, hybrid search."""
