"""Upkeep: keeping a warehouse whole. integrity.py (`newstally check`), backup.py (`newstally backup`)."""
