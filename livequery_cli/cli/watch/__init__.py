"""``lq watch``: a query's result set as a live table.

``result_table`` holds the rows and what a person should notice (changed,
entering, leaving) and renders one frame with Rich; ``live_screen`` runs the
full-screen loop (bounded refresh rate, keys, signals, the terminal restored
whatever happens); ``watch_run`` connects the gap-free subscription
(``livequery_cli.synced``: snapshot, then changes, resynced after every
reconnect) to both. Rich is imported only by this package.
"""
