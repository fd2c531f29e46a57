"""Consumer processes the harness measures against the firehose (one per module)."""
