"""Bulk import of time series: files become jobs, adapters read them, the writer validates and writes in bulk."""
