"""Rasa's Redis ticket lock with atomic updates, for several Rasa replicas.

Rasa's ``RedisLockStore`` changes a conversation's lock with GET, change, SET: no transaction.
Two replicas handling messages of the same conversation at once can lose a ticket (one SET
overwrites the other) or delete a lock the other replica has just added a ticket to; the
waiting replica then finds no lock and raises ``LockError: Could not acquire lock`` and the
user gets no answer (RasaHQ/rasa#9213; the upstream fix was reverted). We hit it in a load
benchmark with two replicas.

:class:`AtomicRedisLockStore` keeps the same key layout and JSON (replicas can be upgraded one
by one) but makes every change an optimistic transaction (WATCH, MULTI, EXEC, retried when the
key changed meanwhile): issuing a ticket, finishing one, dropping expired ones, and cleanup
(remove the ticket and delete the key only if nobody waits). Every SET also gives the key an
expiry a margin past its latest ticket's, so a crashed replica cannot leave a key forever.

Load it from endpoints.yml: ``lock_store: {type: connectors.lockstore.AtomicRedisLockStore,
url: HOST, port: ..., db: ..., key_prefix: ..., use_ssl: ..., username: ..., password: ...}``.

Redaction: a conversation id is a pseudonymous sender id, so it is never logged at INFO or
above; the only messages naming one are Rasa's own DEBUG ones.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

KEY_TTL_MARGIN_S = 60.0  # a key lives this long past its latest ticket's expiry
DELETE = object()  # a change's instruction to delete the key
# A change gets the stored lock (None: no key) and returns (result, what to write), where
# what to write is a TicketLock to save, DELETE, or None to leave the key as it is.
Change = Callable[[Optional[TicketLock]], Tuple[Any, Any]]


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose read-modify-write updates are Redis transactions."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        """From Rasa's ``EndpointConfig`` (``url`` is the host) or RedisLockStore's kwargs."""
        if endpoint_config is not None:
            kwargs = {**endpoint_config.kwargs, **kwargs}
            if endpoint_config.url:
                kwargs.setdefault("host", endpoint_config.url)
        super().__init__(**kwargs)

    @staticmethod
    def _key_ttl_ms(lock: TicketLock) -> int:
        latest = max((t.expires for t in lock.tickets), default=time.time())
        return max(1, int((latest - time.time() + KEY_TTL_MARGIN_S) * 1000))

    def _decode(self, raw: Optional[bytes]) -> Optional[TicketLock]:
        return TicketLock.from_dict(json.loads(raw)) if raw else None

    def _atomic(self, conversation_id: Text, change: Change) -> Any:
        """Apply ``change`` to the stored lock in one transaction, retried on conflict."""
        key = self.key_prefix + conversation_id

        def attempt(pipe: Any) -> Any:
            raw = pipe.get(key)  # WATCHed: EXEC fails if another client writes meanwhile
            result, write = change(self._decode(raw))
            if write is None or (write is DELETE and not raw):
                pipe.unwatch()
                return result
            pipe.multi()
            if write is DELETE:
                pipe.delete(key)
            else:
                pipe.set(key, write.dumps(), px=self._key_ttl_ms(write))
            return result

        return self.red.transaction(attempt, key, value_from_callable=True)

    def save_lock(self, lock: TicketLock) -> None:
        """Save ``lock`` with a key expiry (unconditional: the atomic paths do not use it)."""
        self.red.set(self.key_prefix + lock.conversation_id, lock.dumps(),
                     px=self._key_ttl_ms(lock))

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Get or create the lock, drop expired tickets, issue the next one: atomically."""
        logger.debug(f"Issuing ticket for conversation '{conversation_id}'.")

        def change(lock: Optional[TicketLock]) -> Tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        try:
            return self._atomic(conversation_id, change)
        except Exception as e:  # noqa: BLE001 - any store failure is a LockError to Rasa
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e

    def update_lock(self, conversation_id: Text) -> None:
        """Drop expired tickets (written only when some had expired)."""

        def change(lock: Optional[TicketLock]) -> Tuple[None, Optional[TicketLock]]:
            if not lock:
                return None, None
            before = len(lock.tickets)
            lock.remove_expired_tickets()
            return None, lock if len(lock.tickets) != before else None

        self._atomic(conversation_id, change)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove ticket ``ticket_number`` (and expired ones) from the lock."""

        def change(lock: Optional[TicketLock]) -> Tuple[None, Optional[TicketLock]]:
            if not lock:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return None, lock

        self._atomic(conversation_id, change)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove the ticket; delete the lock if nobody else waits: one transaction."""

        def change(lock: Optional[TicketLock]) -> Tuple[bool, Any]:
            if not lock:
                return False, None
            lock.remove_ticket_for(ticket_number)  # also drops expired tickets
            if lock.is_someone_waiting():
                return False, lock
            return True, DELETE

        if self._atomic(conversation_id, change):
            self._log_deletion(conversation_id, deletion_successful=True)
