"""moto's server with the one state transition it lacks, for tests and the demo.

moto 5.2.5 leaves an updated Bedrock AgentCore runtime in UPDATING for ever (its
state machine knows only CREATING -> READY), where AWS moves it to READY once the new
version is deployed. infra waits for READY after an update, as it must on AWS, so the
emulator gets the transition AWS makes. Nothing else changes; arguments are
moto_server's (`-H 127.0.0.1 -p PORT`). See docs/architecture.md, "The emulator".

It also exits when the process that started it does: the test suite keeps emulators
between tests (reset, not restarted) and cannot stop the last ones when it ends. And it
parses AWS's managed IAM policies (MOTO_IAM_LOAD_MANAGED_POLICIES) once per process
instead of at every reset: that parse was about a third of the emulator's CPU in the
test suite (docs/performance.md, "The test suite"). What the emulator answers is the same.
"""

import json
import os
import sys
import threading
import time

from moto.bedrockagentcorecontrol import models
from moto.iam import models as iam_models
from moto.server import main

_init = models.AgentRuntime.__init__


def _with_update_transition(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self._transitions = [*self._transitions, ("UPDATING", "READY")]


models.AgentRuntime.__init__ = _with_update_transition

_managed_policies = []


def _init_aws_policies(self):
    # moto's own body, with the parse kept: the objects are still made per backend
    # (they count their attachments), the 1 MB of JSON is read once.
    if not iam_models.load_iam_aws_managed_policies():
        return []
    if not _managed_policies:
        _managed_policies.append(json.loads(iam_models.aws_managed_policies_data))
    return [
        iam_models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, d)
        for name, d in _managed_policies[0].items()
    ]


iam_models.IAMBackend._init_aws_policies = _init_aws_policies


def _exit_with_parent():
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    sys.exit(main())
