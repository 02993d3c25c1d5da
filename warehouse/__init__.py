"""The warehouse: the one DuckDB file, every SQL statement, and the rows it accepts.

Nothing outside this package opens DuckDB or writes SQL. Other packages import from this
face only (`from warehouse import entity_series`); the names it offers are listed once, in
`warehouse/__init__.pyi`, and each is imported on first use, so `import warehouse` alone
loads neither pandas nor DuckDB. Where things live (docs/architecture.md says more):

    engine/     the DuckDB file, the lock discipline, migrations, the SQL loader
    counting/   the watchlist, its SQL patterns, the tally, the rollups
    intake/     feeds and outlets, fetches, the article insert, archive documents, identity
    analysis/   series, spikes and their evidence, lens, co-mentions, browse, health, events
    export/     files with a provenance sidecar, the dashboard's download bundles
    upkeep/     integrity check, backup

Exceptions (warehouse.errors):

    WarehouseError
    ├── WarehouseUnavailable   the file cannot be opened or written
    │   └── WarehouseNotWritable   a write failed for lack of space or permission; nothing of it was stored
    ├── UnknownEntity / UnknownFeed / UnknownEvent
    ├── UnknownTimeZone
    ├── WatchlistInvalid       a watchlist or events file that cannot be used
    └── QueryInvalid           a search query that does not parse
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
