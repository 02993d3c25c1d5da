"""Lake variants: each migration after LAKE_BASELINE (8) again, as NNNN_name.sql under its migration's name.

Written in what DuckLake has, for `newstally lake upgrade` (docs/scale-out.md, "Upgrading a lake's schema").
"""
