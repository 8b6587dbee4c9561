"""What leaves a transaction, and what delivers it: the outbox (rescore requests today; webhooks, Slack
and CRM writes reuse it)."""
