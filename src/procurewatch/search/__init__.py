"""The full-text index beside the store (tantivy): tokens, syncing and rebuilding, queries, facets."""
