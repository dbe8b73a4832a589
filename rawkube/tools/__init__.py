"""client-go's tools in Python: `pager.ListPager`, `watcher.RetryWatcher`, `wait.wait_for`
and `wait.until` (import them from their modules; nothing is imported here eagerly)."""
