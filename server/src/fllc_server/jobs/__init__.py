"""Background jobs: the jobs table, submitting after commit, running with a lease, the scheduler."""
