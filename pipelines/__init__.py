"""Item pipelines: normalise → canonicalise → dedupe → store (see blogarchive.settings)."""
