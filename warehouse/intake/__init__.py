"""Intake: what comes into the warehouse. Outlets and feeds, fetches, articles, archive documents.

feeds.py (outlets and feeds: register, due, claim, release), fetches.py (one fetch stored at
once: articles, fetch log, feed state; the live write path), store.py (the idempotent
article insert every path shares), documents.py (the archive bulk path), identity.py (when
two items are the same story: identity and syndication keys).
"""
