"""Hybrid retrieval: tokenization, BM25, dense vectors, fusion, index store and engine."""
