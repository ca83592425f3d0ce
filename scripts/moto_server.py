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

And it applies a few changes AWS makes in place that moto 5.2.5 does not serve or
ignores, each in its own block below naming the API (CloudWatch Logs AssociateKmsKey /
DisassociateKmsKey, Lambda UpdateFunctionCode's Architectures, EventBridge UpdateEventBus, CloudWatch Logs
PutMetricFilter on an existing filter).

With INFRA_EMULATOR_CLOCK=<factor> in its environment it also keeps AWS's clock, every
duration divided by the factor (scripts/moto_clock.py); without it, nothing of that runs.
"""

import json
import os
import sys
import threading
import time

import moto_clock
from moto.awslambda import models as lambda_models
from moto.bedrockagentcorecontrol import models
from moto.events import models as events_models
from moto.events import responses as events_responses
from moto.iam import models as iam_models
from moto.logs import exceptions as logs_exceptions
from moto.logs import metric_filters as logs_metric_filters
from moto.logs import responses as logs_responses
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


# CloudWatch Logs AssociateKmsKey / DisassociateKmsKey are not implemented by moto 5.2.5
# (NotImplementedError, HTTP 500). AWS changes a log group's key in place: new events use
# the new key (or, after DisassociateKmsKey, AWS's own encryption) and DescribeLogGroups
# reports it. Here only the reported key changes; the key and its policy are not checked.
def _associate_kms_key(self):
    group = self.logs_backend.groups.get(self._get_param("logGroupName"))
    if group is None:
        raise logs_exceptions.ResourceNotFoundException()
    group.kms_key_id = self._get_param("kmsKeyId")
    return ""


def _disassociate_kms_key(self):
    group = self.logs_backend.groups.get(self._get_param("logGroupName"))
    if group is None:
        raise logs_exceptions.ResourceNotFoundException()
    group.kms_key_id = None
    return ""


logs_responses.LogsResponse.associate_kms_key = _associate_kms_key
logs_responses.LogsResponse.disassociate_kms_key = _disassociate_kms_key


# Lambda UpdateFunctionCode: moto 5.2.5 ignores `Architectures`. AWS takes the new
# instruction set architecture with the new code (the only call that can change it) and
# GetFunction reports it; moto's own setter validates the value as AWS does.
_update_function_code = lambda_models.LambdaFunction.update_function_code


def _update_function_code_with_architectures(self, updated_spec):
    if "Architectures" in updated_spec:
        self.architectures = updated_spec["Architectures"]
    return _update_function_code(self, updated_spec)


lambda_models.LambdaFunction.update_function_code = _update_function_code_with_architectures


# EventBridge UpdateEventBus is not implemented by moto 5.2.5. AWS sets a custom bus's
# description, KMS key and dead-letter queue in place, each cleared when sent empty, and
# DescribeEventBus reports them; the key and the queue are not checked here.
def _update_event_bus(self):
    bus = self.events_backend.event_buses.get(self._get_param("Name") or "default")
    if bus is None:
        raise events_models.ResourceNotFoundException("Event bus does not exist.")
    bus.description = self._get_param("Description") or None
    bus.kms_key_identifier = self._get_param("KmsKeyIdentifier") or None
    dead_letter = self._get_param("DeadLetterConfig") or {}
    bus.dead_letter_config = dead_letter if dead_letter.get("Arn") else None
    return json.dumps({"Arn": bus.arn, "Name": bus.name}), self.response_headers


events_responses.EventsHandler.update_event_bus = _update_event_bus


# CloudWatch Logs PutMetricFilter: moto 5.2.5 adds a second filter of the same name, where
# AWS replaces the log group's filter of that name in place (pattern and metric).
_add_metric_filter = logs_metric_filters.MetricFilters.add_filter


def _put_metric_filter_in_place(self, filter_name, filter_pattern, log_group_name, metric_transformations):
    self.metric_filters = [
        f for f in self.metric_filters if (f["filterName"], f["logGroupName"]) != (filter_name, log_group_name)
    ]
    return _add_metric_filter(self, filter_name, filter_pattern, log_group_name, metric_transformations)


logs_metric_filters.MetricFilters.add_filter = _put_metric_filter_in_place


# EC2 security group rules that name another group, as AWS keeps them and moto 5.2.5
# does not: DescribeSecurityGroupRules reports every rule's Description (moto only a
# CIDR rule's); UpdateSecurityGroupRuleDescriptionsIngress/Egress set it by rule id
# (SecurityGroupRuleDescriptions; moto reads only IpPermissions, and matches a group
# rule only if the description is unchanged); ModifySecurityGroupRules points a rule at
# another group (ReferencedGroupId, which moto ignores) or at a CIDR block, and a rule
# sent without a Description loses its own. The rule keeps its id throughout.
from moto.ec2.exceptions import InvalidSecurityGroupNotFoundError, InvalidSecurityGroupRuleIdNotFoundError  # noqa: E402
from moto.ec2.models import security_groups as ec2_sg_models  # noqa: E402
from moto.ec2.responses import security_groups as ec2_sg_responses  # noqa: E402
from moto.core.responses import ActionResult  # noqa: E402


def _sg_rule_description(rule):
    return rule.ip_range.get("Description") or rule.source_group.get("Description")


def _describe_sg_rule(rule, description):
    rule.ip_range.pop("Description", None)
    rule.source_group.pop("Description", None)
    if description:
        (rule.source_group if rule.source_group else rule.ip_range)["Description"] = description


ec2_sg_models.SecurityGroupRule.description = property(_sg_rule_description)
_modify_sg_rules = ec2_sg_models.SecurityGroupBackend.modify_security_group_rules


def _modify_sg_rules_as_aws(self, group_id, rules):
    _modify_sg_rules(self, group_id, rules)
    group = self.get_security_group_by_name_or_id(group_id)
    for rule_id, new in rules.items():
        rule = group.get_rule(rule_id)
        if new.get("ReferencedGroupId"):
            if not self.get_security_group_by_name_or_id(new["ReferencedGroupId"]):
                raise InvalidSecurityGroupNotFoundError(new["ReferencedGroupId"])
            rule.ip_range = {}
            rule.source_group = {"GroupId": new["ReferencedGroupId"], "UserId": self.account_id}
        elif new.get("CidrIpv4"):
            rule.source_group = {}
        _describe_sg_rule(rule, new.get("Description"))


ec2_sg_models.SecurityGroupBackend.modify_security_group_rules = _modify_sg_rules_as_aws


def _describe_sg_rules_by_id(original):
    def handler(self):
        described = self._get_param("SecurityGroupRuleDescriptions", [])
        if not described:
            return original(self)
        name = self._get_param("GroupId") or self._get_param("GroupName")
        group = self.ec2_backend.get_security_group_by_name_or_id(name)
        if group is None:
            raise InvalidSecurityGroupNotFoundError(name)
        for d in described:
            rule = group.get_rule(d["SecurityGroupRuleId"])
            if rule is None:
                raise InvalidSecurityGroupRuleIdNotFoundError(d["SecurityGroupRuleId"])
            _describe_sg_rule(rule, d.get("Description"))
        return ActionResult({"Return": True})

    return handler


for _direction in ("ingress", "egress"):
    _name = f"update_security_group_rule_descriptions_{_direction}"
    _original = getattr(ec2_sg_responses.SecurityGroups, _name)
    setattr(ec2_sg_responses.SecurityGroups, _name, _describe_sg_rules_by_id(_original))


def _exit_with_parent():
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


if __name__ == "__main__":
    moto_clock.install()
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    sys.exit(main())
