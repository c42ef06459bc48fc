"""The ingest runner: read files into chunks, understand and detect them in worker processes, store
them in batches, then link and index (`runner.run_ingest`)."""
