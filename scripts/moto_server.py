"""moto's server with the one state transition it lacks, for tests and the demo.

moto 5.2.5 leaves an updated Bedrock AgentCore runtime in UPDATING for ever (its
state machine knows only CREATING -> READY), where AWS moves it to READY once the new
version is deployed. infra waits for READY after an update, as it must on AWS, so the
emulator gets the transition AWS makes. Nothing else changes; arguments are
moto_server's (`-H 127.0.0.1 -p PORT`). See docs/architecture.md, "The emulator".
"""

import sys

from moto.bedrockagentcorecontrol import models
from moto.server import main

_init = models.AgentRuntime.__init__


def _with_update_transition(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self._transitions = [*self._transitions, ("UPDATING", "READY")]


models.AgentRuntime.__init__ = _with_update_transition

if __name__ == "__main__":
    sys.exit(main())
