"""Handing a conversation to a person: the queue, casework, transcripts, duty hours and the outbox
that carries a worker's replies."""
