"""Offline tools: table creation, registry import, demo data, data-quality report."""
