"""Analysis: reads that answer questions about the coverage stored.

series.py (entity time series), spikes.py (the spike method) and evidence.py (headlines and
rising words of an episode), lens.py (the event lens), comentions.py and comention_outlets.py,
browse.py (articles, source volume, share of voice), syndication.py (originality),
explain.py (`newstally explain`), health.py (feed health, completeness), events.py (the
events calendar), catalog.py (corpus facts, entities, `open_warehouse`).
"""
