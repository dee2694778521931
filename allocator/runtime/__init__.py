"""Runtime: where many solves run (this process, local worker processes, a Dask cluster), and
worker processes that die with their parent."""
