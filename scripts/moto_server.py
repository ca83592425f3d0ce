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
PutMetricFilter on an existing filter, API Gateway UpdateDomainName and UpdateApiMapping,
Kinesis CreateStream's Tags).

With INFRA_EMULATOR_CLOCK=<factor> in its environment it also keeps AWS's clock, every
duration divided by the factor (scripts/moto_clock.py); without it, nothing of that runs.

Cloud Control, which moto lacks, is answered by scripts/cloudcontrol_standin.py on the
same endpoint (requests with X-Amz-Target `CloudApiService.*`; see that file).
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
from moto.kinesis import responses as kinesis_responses
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


# API Gateway custom domain names (REST and v2), as AWS serves them and moto 5.2.5 does not:
# UpdateDomainName (both versions) and UpdateApiMapping are not implemented. AWS changes
# a domain's certificate and TLS policy in place (REST: patch operations on
# `/regionalCertificateArn`, `/certificateArn`, `/securityPolicy`; v2: the configurations
# sent whole) and a mapping's API, stage and key, keeping the mapping's id. A v2 domain's
# configuration gets the regional name and hosted zone AWS assigns (moto reports none),
# and its tags as TagResource/UntagResource left them (moto neither routes those calls for
# a domain nor reports what they set). Listing or reading the base path mappings of a REST
# domain that never had one answers an empty list or NotFound (moto: HTTP 500), and
# deleting a v2 domain deletes its mappings (moto: HTTP 500 once it has one).
# Certificates are not checked.
import random as _random  # noqa: E402
import string as _string  # noqa: E402

from moto.apigateway import models as apigw_models  # noqa: E402
from moto.apigateway import responses as apigw_responses  # noqa: E402
from moto.apigatewayv2 import exceptions as apigwv2_exceptions  # noqa: E402
from moto.apigatewayv2 import models as apigwv2_models  # noqa: E402
from moto.apigatewayv2 import responses as apigwv2_responses  # noqa: E402
from moto.apigatewayv2 import urls as apigwv2_urls  # noqa: E402

# Route 53 hosted zones of API Gateway's regional endpoints (AWS General Reference).
_APIGW_ZONES = {
    "us-east-1": "Z1UJRXOUMOOFQ8",
    "us-east-2": "ZOJJZC49E0EPZ",
    "us-west-2": "Z2OJLYMUO9EFXC",
    "eu-west-1": "ZLY8HYME6SFDD",
}


def _v2_regional(configurations, region):
    for c in configurations:
        suffix = "".join(_random.choices(_string.ascii_lowercase + _string.digits, k=10))
        c.setdefault("apiGatewayDomainName", f"d-{suffix}.execute-api.{region}.amazonaws.com")
        c.setdefault("hostedZoneId", _APIGW_ZONES.get(region, "Z1UJRXOUMOOFQ8"))
        c.setdefault("domainNameStatus", "AVAILABLE")
        c.setdefault("endpointType", "REGIONAL")
    return configurations


_v2_domain_init = apigwv2_models.DomainName.__init__


def _v2_domain_init_regional(self, domain_name, domain_name_configurations, mutual_tls_authentication, tags, backend):
    configurations = _v2_regional(domain_name_configurations, backend.region_name)
    _v2_domain_init(self, domain_name, configurations, mutual_tls_authentication, tags, backend)
    self.region_name = backend.region_name


apigwv2_models.DomainName.__init__ = _v2_domain_init_regional


def _v2_update_domain_name(self):
    domain = self.apigatewayv2_backend.get_domain_name(self.path.split("/")[-1])
    params = json.loads(self.body or "{}")
    if "domainNameConfigurations" in params:
        first = (domain.domain_name_configurations or [{}])[0]
        assigned = {k: v for k, v in first.items() if k in ("apiGatewayDomainName", "hostedZoneId")}
        sent = [{**assigned, **c} for c in params["domainNameConfigurations"]]
        domain.domain_name_configurations = _v2_regional(sent, domain.region_name)
    if "mutualTlsAuthentication" in params:
        domain.mutual_tls_authentication = params["mutualTlsAuthentication"]
    return 200, {}, json.dumps(domain.to_json())


def _v2_update_api_mapping(self):
    parts = self.path.split("/")
    backend = self.apigatewayv2_backend
    mapping = backend.get_api_mapping(api_mapping_id=parts[-1], domain_name=parts[-3])
    params = json.loads(self.body or "{}")
    if params.get("apiId") and params["apiId"] not in backend.apis:
        raise apigwv2_exceptions.ApiNotFound("The resource specified in the request was not found.")
    mapping.api_id = params.get("apiId", mapping.api_id)
    mapping.stage = params.get("stage", mapping.stage)
    mapping.api_mapping_key = params.get("apiMappingKey", mapping.api_mapping_key)
    return 200, {}, json.dumps(mapping.to_json())


apigwv2_responses.ApiGatewayV2Response.update_domain_name = _v2_update_domain_name
apigwv2_responses.ApiGatewayV2Response.update_api_mapping = _v2_update_api_mapping

_v2_tag, _v2_untag = apigwv2_models.ApiGatewayV2Backend.tag_resource, apigwv2_models.ApiGatewayV2Backend.untag_resource


def _v2_tag_domain(self, resource_arn, tags):
    _v2_tag(self, resource_arn, tags)
    for d in self.domain_names.values():
        if d.domain_name_arn == resource_arn:
            d.tags = {**(d.tags or {}), **(tags or {})}


def _v2_untag_domain(self, resource_arn, tag_keys):
    _v2_untag(self, resource_arn, tag_keys)
    for d in self.domain_names.values():
        if d.domain_name_arn == resource_arn:
            d.tags = {k: v for k, v in (d.tags or {}).items() if k not in tag_keys}


apigwv2_models.ApiGatewayV2Backend.tag_resource = _v2_tag_domain
apigwv2_models.ApiGatewayV2Backend.untag_resource = _v2_untag_domain
apigwv2_urls.url_paths["{0}/v2/tags/(?P<resource_arn_pt1>[^/]+)/domainnames/(?P<resource_arn_pt2>[^/]+)$"] = (
    apigwv2_responses.ApiGatewayV2Response.dispatch
)
_v2_delete_domain = apigwv2_models.ApiGatewayV2Backend.delete_domain_name


def _v2_delete_domain_and_mappings(self, domain_name):
    for mapping_id in [i for i, m in self.api_mappings.items() if m.domain_name == domain_name]:
        del self.api_mappings[mapping_id]
    return _v2_delete_domain(self, domain_name)


apigwv2_models.ApiGatewayV2Backend.delete_domain_name = _v2_delete_domain_and_mappings


def _rest_update_domain_name(self):
    domain = self.backend.get_domain_name(self.path.split("/")[2])
    fields = {
        "/regionalCertificateArn": "regional_certificate_arn",
        "/certificateArn": "certificate_arn",
        "/securityPolicy": "security_policy",
    }
    for op in self._get_param("patchOperations") or []:
        if op.get("op") == "replace" and op.get("path") in fields:
            setattr(domain, fields[op["path"]], op.get("value"))
    return json.dumps(domain.to_json())


apigw_responses.APIGatewayResponse.update_domain_name = _rest_update_domain_name


def _rest_with_mappings(original):
    def method(self, domain_name, *args):
        if domain_name in self.domain_names:
            self.base_path_mappings.setdefault(domain_name, {})
        return original(self, domain_name, *args)

    return method


for _name in ("get_base_path_mappings", "get_base_path_mapping", "delete_base_path_mapping",
              "update_base_path_mapping"):
    setattr(apigw_models.APIGatewayBackend, _name, _rest_with_mappings(getattr(apigw_models.APIGatewayBackend, _name)))


# Kinesis CreateStream: moto 5.2.5 ignores `Tags`. AWS tags the new stream with them and
# ListTagsForStream reports them, as after AddTagsToStream.
_create_stream = kinesis_responses.KinesisResponse.create_stream


def _create_stream_with_tags(self):
    result = _create_stream(self)
    if self._get_param("Tags"):
        self.kinesis_backend.add_tags_to_stream(None, self._get_param("StreamName"), self._get_param("Tags"))
    return result


kinesis_responses.KinesisResponse.create_stream = _create_stream_with_tags


# Cloud Control is not in moto 5.2.5: requests for it (X-Amz-Target `CloudApiService.*`)
# go to scripts/cloudcontrol_standin.py, on the same endpoint, and a reset resets it too.
import cloudcontrol_standin  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402

_dispatch = DomainDispatcherApplication.__call__


def _dispatch_with_cloudcontrol(self, environ, start_response):
    if cloudcontrol_standin.is_ours(environ):
        return cloudcontrol_standin.app(environ, start_response)
    if environ.get("PATH_INFO") == "/moto-api/reset":
        cloudcontrol_standin.reset()
    return _dispatch(self, environ, start_response)


DomainDispatcherApplication.__call__ = _dispatch_with_cloudcontrol


def _exit_with_parent():
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


if __name__ == "__main__":
    moto_clock.install()
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    sys.exit(main())
