"""The monthly pipeline: build (load + dbt), release (publish, rollback), backup and restore test, status,
quality reports, cache invalidation. Sits above the loader and the runtime."""
