"""``lq watch``: the result set of a live query as a table that updates in place."""
