"""Turn report files into cleaned text, document metadata, structure-aware chunks and records."""
