-- Who holds a feed's claim. A fetcher claims due feeds by pushing next_fetch_at a
-- lease (30 minutes) ahead; one killed mid-pass used to leave its feeds waiting out
-- that lease. With the claimant named (host, process id and process start time), a
-- restarted scheduler on the same host sees the claimant is gone and takes the
-- feeds back at once. NULL when no fetcher holds the feed.
ALTER TABLE feeds ADD COLUMN claimed_by VARCHAR;
