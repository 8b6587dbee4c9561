"""What changed in the CRM, told to the layers above without knowing who listens.

Sent explicitly by the services that make the change (import and the demo use bulk_create, which sends no
post_save), inside the transaction that made it, so that a receiver's own rows commit or roll back with the
change. Anything that leaves the process (a Celery publish, an e-mail) must wait for the commit.
"""

from django.dispatch import Signal

# lead_ids: list[int]; created: bool (True when every one of the leads is new);
# bulk: bool (True for a bulk load, a file import or the demo, to be handled as one batch)
leads_changed = Signal()

# lead_ids: list[int], the leads whose new activity events were stored; bulk: bool, as above
events_recorded = Signal()

# leads: list[Lead]; user: the reader or None; integration: the key's name or "";
# channel: "api" | "page" | "export" | "admin"; action: what was read, e.g. "leads.list"
personal_data_read = Signal()

# lead: the Lead just erased (its personal fields already wiped); needles: the personal values it held
# (e-mail, phone, names), for the layers above to scrub from their own copies; wiped: {what: count};
# actor: the user or None; reason, request_ref: why, and which data-subject request
lead_erased = Signal()
