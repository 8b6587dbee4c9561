"""The pages that show scores: the lead list and lead page (`leads`), the dashboard (`performance`) and
the settings page (`settings`)."""
