"""Who makes a gRPC call and whether its method lets them: the bearer token, looked up in the shared token table."""

from typing import Any

from services.common.auth import Principal, TokenStore, authorize, bearer_token
from services.common.engines import create_engine
from services.common.runtime.grpc_calls import PendingCall


class CallAuthentication:
    """Checks each call on the hub before a worker is spawned for it."""

    def __init__(self, config: dict[str, Any]):
        self.tokens = TokenStore(create_engine(config["AUTH_DATABASE_URL"]))

    def admit(self, call: PendingCall) -> Principal:
        """The caller, once its token is known and one of its roles is among the method's; raises otherwise."""
        # Kept on the call before the roles are checked: a caller refused for its roles is audited by name.
        call.principal = self.tokens.authenticate(bearer_token(call.metadata))
        authorize(call.principal, call.entrypoint.roles, call.entrypoint.rpc)
        return call.principal
