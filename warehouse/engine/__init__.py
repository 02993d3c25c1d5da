"""The engine: opening the DuckDB file under the cross-process lock, migrations, stored time, the SQL loader.

db.py (Warehouse, reading/writing, migrate), clock.py (aware UTC <-> stored naive UTC),
queries.py (`load_query` for warehouse/sql/, `migration_files` for migrations/).
Everything else in the warehouse stands on this; it imports nothing above it.
"""
