"""What the pipeline runs on: the embedded PostgreSQL cluster, the dbt runner and the run log.
Imports only `foundation`; never the loader or the generator."""
