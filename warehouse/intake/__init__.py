"""Intake: what comes into the warehouse. Outlets and feeds, fetches, articles, archive documents.

arrivals.py (the one way in: a batch of fetches and documents stored in one transaction),
feeds.py (outlets and feeds: register, due, claim, release), fetches.py (a fetch's log row
and its feed's new state), store.py (the idempotent article insert every arrival shares),
documents.py (documents without a registered feed: archives, article lists, demo history),
identity.py (when two items are the same story: identity, syndication keys, article ids).
"""
