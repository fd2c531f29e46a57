"""Where ``lq``'s settings come from: flags > ``LQ_*`` environment > profile > defaults.

``profiles`` reads ``config.toml`` profiles and the environment into
``Settings``; ``credentials`` stores session tokens (never in the config
file); ``tls`` builds the TLS contexts for ``--ca-file`` / ``--insecure``.
"""
