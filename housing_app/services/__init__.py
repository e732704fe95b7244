"""Plain modules the views call: activity log, storage, pdf, mail."""
