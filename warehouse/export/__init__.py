"""Export: frames written out for analysts.

files.py (a frame to CSV/Parquet/JSON by suffix, atomically, with its provenance sidecar
FILE.meta.json), bundles.py (the dashboard's downloads: the same pair, zipped).
"""
