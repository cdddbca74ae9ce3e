"""The audit record of each call of an audited gRPC method, written before its caller gets the answer."""

import logging
from typing import Any

from google.rpc import code_pb2, status_pb2

from services.common import audit
from services.common.runtime.database import DatabaseEngine
from services.common.runtime.grpc_calls import PendingCall
from services.common.runtime.metrics import MetricsRegistry

log = logging.getLogger(__name__)


class CallAudit:
    """Records each call of one audited method, whatever its outcome, in its service's database (see
    services.common.audit). Refusals of callers without a valid token are recorded up to a limit per host."""

    def __init__(self, service_name: str, database: DatabaseEngine, rpc: str, metrics: MetricsRegistry):
        self._service_name = service_name
        self._database = database
        self._rpc = rpc
        self._metrics = metrics

    def record(
        self, call: PendingCall, status: status_pb2.Status | None, anonymous_refusals: audit.AnonymousRefusals
    ) -> None:
        """Record `call`, answered `status` (None: it succeeded)."""
        left_out = self._anonymous_refusals_left_out(call, status, anonymous_refusals)
        if left_out is None:
            return
        try:
            record = audit.with_left_out(self._audit_record(call, status), left_out)
            audit.SqlAuditTrail(self._database.session_factory).record(record)
        except Exception:
            # Never let the record fail the call: its own change has committed by now, and an error escaping the
            # result handler would take the whole container down.
            log.exception("could not write the audit record of a %s call", self._rpc)

    def _anonymous_refusals_left_out(
        self, call: PendingCall, status: status_pb2.Status | None, anonymous_refusals: audit.AnonymousRefusals
    ) -> int | None:
        """For a refusal of a caller without a valid token: None when it goes unrecorded (it is counted instead),
        else how many refusals of its host were left out before it. 0 for any other call."""
        if call.principal is not None or status is None:
            return 0
        left_out = anonymous_refusals.admit(call.peer)
        if left_out is None:
            self._metrics.audit_refusals_unrecorded.labels(self._rpc).inc()
        return left_out

    def _audit_record(self, call: PendingCall, status: status_pb2.Status | None) -> Any:
        record = audit.audit_record(
            service=self._service_name,
            method=self._rpc,
            principal=call.principal,
            request=call.request,
            at=call.received_at,
            peer=call.peer,
        )
        return record if status is None else audit.failed(record, code_pb2.Code.Name(status.code), status.message)
