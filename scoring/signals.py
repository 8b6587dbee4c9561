"""What the scoring domain announces to the layers above it and to its own automation.

`decisions_recorded(decisions)` is sent by the decision log's one writer (services.decisions), inside the
transaction that wrote the rows, with the `DecisionRow`s it wrote: every rescore, stale downgrade,
override and replay. A receiver that reacts to tier changes picks the rows whose `tier` differs from
`previous_tier`; one that acts outside the process (an e-mail, a webhook) writes its outbox row here and
delivers after the commit, so a rolled-back rescore announces nothing.
"""

from __future__ import annotations

from django.dispatch import Signal

decisions_recorded = Signal()  # kwargs: decisions (list[DecisionRow])
