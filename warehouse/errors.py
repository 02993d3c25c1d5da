"""The warehouse's exceptions.

    WarehouseError
    ├── WarehouseUnavailable   the file cannot be opened or written (permissions, disk, corrupt)
    │   └── WarehouseNotWritable   a write failed for lack of space or permission; nothing of it was stored
    ├── UnknownEntity          an entity id that is not in the watchlist
    ├── UnknownFeed            a feed id that is not registered
    ├── UnknownEvent           an event id that is not on the calendar
    ├── UnknownCollection      a collection name that is not stored
    ├── CollectionInvalid      a collection that cannot be made (no rule or outlets, unknown outlet, taken name)
    ├── WatchlistInvalid       a watchlist or events file that cannot be used
    └── QueryInvalid           a search query that does not parse (says what is wrong and where)

Each carries a message fit for one line on stderr.
"""


class WarehouseError(Exception):
    """Base of everything the warehouse raises on purpose."""


class WarehouseUnavailable(WarehouseError):
    """The DuckDB file cannot be opened or written."""


class WarehouseNotWritable(WarehouseUnavailable):
    """A write failed for lack of space or permission (disk full, file size limit, read-only file or folder).

    The failed transaction is not stored: the warehouse is as it was before the write.
    """


class UnknownEntity(WarehouseError):
    """An entity id that the current watchlist does not define."""


class UnknownFeed(WarehouseError):
    """A feed id that is not registered."""


class UnknownEvent(WarehouseError):
    """An event id that is not on the calendar."""


class UnknownCollection(WarehouseError):
    """A collection name that is not stored."""


class CollectionInvalid(WarehouseError):
    """A collection that cannot be made: no rule and no outlets, both, an unknown outlet, a taken name."""


class WatchlistInvalid(WarehouseError):
    """A watchlist or events file that cannot be parsed or is inconsistent."""


class QueryInvalid(WarehouseError):
    """A search query that cannot be read: unclosed quote or parenthesis, a lone operator, too long, empty."""
