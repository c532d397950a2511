"""公文检索与起草助手 — offline search and drafting assistant for Chinese official documents."""

__version__ = "0.1.0"
