"""Acting on scores: the work queue's rules, assignment, notifications and the Hot-lead SLA clock."""
