"""AWS's clock for the emulator: things take time, names stay taken, calls are refused
while something is in progress (issue 24; docs/architecture.md, "The emulator").

moto makes every resource ready the moment it is created, forgets it the moment it is
deleted and never refuses a call because something is still settling. AWS does all
three, as documented behaviour. With `INFRA_EMULATOR_CLOCK=<factor>` in its environment
the emulator keeps AWS's clock, every duration divided by the factor (60 turns Aurora's
10-minute instance create into 10 s). The durations are infra's own planning figures,
`src/plan/durations.toml` (what `infra plan --estimate` adds up), so a wait the user sees
on AWS is the same wait here, scaled. Without the variable nothing here is installed.

What changes, each as AWS does it (errors in AWS's wire form: code and HTTP status):
- RDS: a cluster is `creating`, an instance `creating`, after a modify `modifying`, for
  their create / update durations; a change meanwhile is refused (InvalidDBClusterStateFault,
  InvalidDBInstanceState). A delete leaves the cluster or instance listed as `deleting`
  for its delete duration, holding its identifier (DBClusterAlreadyExistsFault,
  DBInstanceAlreadyExists), its subnet group (InvalidDBSubnetGroupStateFault) and its
  security groups (DependencyViolation); a final snapshot is `creating` meanwhile and
  cannot be restored from (InvalidDBClusterSnapshotStateFault).
- SageMaker: an endpoint is `Creating` / `Updating` for its create / update duration
  (UpdateEndpoint, which moto lacks, is served here); updating one in progress fails
  ("Cannot update in-progress endpoint"); a `Deleting` endpoint holds its name.
- Lambda: `Pending` after a create, `LastUpdateStatus: InProgress` after an update, for
  the function's create / update durations; another update, a concurrency or a permission
  change meanwhile is a 409 ResourceConflictException. A role younger than the role's
  create duration (IAM propagation) "cannot be assumed by Lambda". A function in a VPC
  holds its subnets and security groups through its network interfaces while it exists
  and for the security group's delete duration after it is gone (DependencyViolation).
- CloudFront: a distribution is `InProgress` for its create / update duration after each
  change; it can be deleted only once disabled and deployed (DistributionNotDisabled).
- Secrets Manager: a secret scheduled for deletion holds its name (InvalidRequestException,
  "already scheduled for deletion") for its recovery window, then is gone.
- SQS: a deleted queue's name is refused for 60 s (QueueDeletedRecently).
- KMS: a key pending deletion refuses to be used (KMSInvalidStateException) for its
  waiting period, then is gone.
"""

import heapq
import itertools
import math
import os
import threading
import time
import tomllib
from pathlib import Path

FOREVER = math.inf

# AWS documents these as fixed periods, not as durations of an infra step.
SQS_NAME_HELD = 60.0  # "You must wait 60 seconds after deleting a queue"
DAY = 86400.0


def factor():
    """The divisor from `INFRA_EMULATOR_CLOCK`, or None when the clock is off."""
    raw = os.environ.get("INFRA_EMULATOR_CLOCK", "").strip()
    if not raw:
        return None
    value = float(raw)
    if not value > 0:
        raise SystemExit(f"INFRA_EMULATOR_CLOCK must be a positive number, not {raw!r}")
    return value


_DURATIONS = Path(__file__).resolve().parent.parent / "src" / "plan" / "durations.toml"
_table = {}
_factor = 1.0


def seconds(type_name, action):
    """AWS's typical duration of `action` on `type_name`, on the emulator's clock."""
    entry = _table.get(type_name) or _table.get("default") or {}
    return float(entry.get(action, 0)) / _factor


def scaled(aws_seconds):
    return aws_seconds / _factor


def now():
    return time.monotonic()


# --- timed state ------------------------------------------------------------------

_lock = threading.RLock()
_events = []  # (due, seq, callback): what happens when a wait is over
_seq = itertools.count()
_phases = {}  # id(obj) -> (obj, {attr: (value, until)}): a status shown until a time
_roles = {}  # role ARN -> when it was created
_eni_holds = []  # (account, region, subnet ids, group ids, until): a deleted function's interfaces
_queues_deleted = {}  # (account, region, name) -> until


def later(delay, callback):
    with _lock:
        heapq.heappush(_events, (now() + delay, next(_seq), callback))


def tick():
    """Run what has come due. Called before every request, so a request sees the
    emulator as it is at that moment."""
    with _lock:
        t = now()
        while _events and _events[0][0] <= t:
            _, _, callback = heapq.heappop(_events)
            callback()


def forget():
    """Everything above belongs to the emulator's state: a reset clears it too."""
    with _lock:
        _events.clear()
        _phases.clear()
        _roles.clear()
        _eni_holds.clear()
        _queues_deleted.clear()


def set_phase(obj, attr, value, delay):
    with _lock:
        _phases.setdefault(id(obj), (obj, {}))[1][attr] = (value, now() + delay)


def clear_phase(obj, attr):
    with _lock:
        entry = _phases.get(id(obj))
        if entry:
            entry[1].pop(attr, None)


def phase(obj, attr):
    """The value `attr` shows while a phase lasts, else None."""
    entry = _phases.get(id(obj))
    if not entry or entry[0] is not obj:
        return None
    value = entry[1].get(attr)
    if value is None or value[1] <= now():
        return None
    return value[0]


def overlay(cls, attr):
    """Make `cls.attr` show the phase's value while one lasts, moto's own otherwise."""
    original = None
    for klass in cls.__mro__:
        if attr in klass.__dict__:
            original = klass.__dict__[attr]
            break
    # A plain attribute stays where moto keeps it (the property, a data descriptor, wins
    # the lookup): code that copies an object's __dict__ sees what it always saw.
    stored = attr

    def get(self):
        shown = phase(self, attr)
        if shown is not None:
            return shown
        if isinstance(original, property):
            return original.fget(self)
        return self.__dict__.get(stored)

    def put(self, value):
        if isinstance(original, property):
            original.fset(self, value)
        else:
            self.__dict__[stored] = value

    setattr(cls, attr, property(get, put))


def wrap(cls, name):
    """Replace `cls.name` by `fn(original, self, *args, **kwargs)`."""

    def decorate(fn):
        original = getattr(cls, name)

        def wrapper(self, *args, **kwargs):
            return fn(original, self, *args, **kwargs)

        wrapper.__name__ = name
        wrapper.__doc__ = original.__doc__
        setattr(cls, name, wrapper)
        return fn

    return decorate


# --- RDS --------------------------------------------------------------------------


def _rds():
    from moto.rds import models as rds
    from moto.rds.exceptions import RDSClientError

    overlay(rds.DBCluster, "status")
    overlay(rds.DBInstance, "status")
    overlay(rds.DBClusterSnapshot, "status")

    def instance_type(db):
        return "rds.cluster_instance" if isinstance(db, rds.DBInstanceClustered) else "rds.instance"

    def deleting(obj):
        return phase(obj, "status") == "deleting"

    # An instance being deleted no longer counts as a member: AWS deletes a cluster whose
    # last instance is still `deleting`.
    members = rds.DBCluster._members
    rds.DBCluster._members = property(lambda self: [d for d in members.fget(self) if not deleting(d)])

    @wrap(rds.RDSBackend, "create_db_cluster")
    def create_db_cluster(original, self, kwargs):
        ident = str(kwargs.get("db_cluster_identifier") or "").lower()
        if ident in self.clusters:
            raise RDSClientError("DBClusterAlreadyExistsFault", "DB Cluster already exists")
        cluster = original(self, kwargs)
        set_phase(cluster, "status", "creating", seconds("rds.cluster", "create"))
        return cluster

    @wrap(rds.RDSBackend, "restore_db_cluster_from_snapshot")
    def restore(original, self, from_snapshot_id, overrides):
        for snap in self.cluster_snapshots.values():
            if from_snapshot_id in (snap.db_cluster_snapshot_identifier, snap.db_cluster_snapshot_arn) and snap.status != "available":
                raise RDSClientError(
                    "InvalidDBClusterSnapshotStateFault",
                    f"Snapshot {snap.db_cluster_snapshot_identifier} is not in available state (it is {snap.status}).",
                )
        return original(self, from_snapshot_id, overrides)

    @wrap(rds.RDSBackend, "modify_db_cluster")
    def modify_db_cluster(original, self, kwargs):
        ident = kwargs.get("db_cluster_identifier")
        cluster = self.clusters.get(ident)
        if cluster is not None and cluster.status != "available":
            raise RDSClientError(
                "InvalidDBClusterStateFault", f"DB cluster {ident} is not available for modification with status {cluster.status}"
            )
        renamed = kwargs.get("new_db_cluster_identifier") or ident
        answer = original(self, kwargs)
        for obj in (self.clusters.get(renamed), answer):
            if obj is not None:
                set_phase(obj, "status", "modifying", seconds("rds.cluster", "update"))
        return answer

    @wrap(rds.RDSBackend, "delete_db_cluster")
    def delete_db_cluster(original, self, cluster_identifier, snapshot_name=None):
        cluster = self.clusters.get(cluster_identifier)
        if cluster is not None and deleting(cluster):
            raise RDSClientError("InvalidDBClusterStateFault", f"Cluster {cluster_identifier} is already being deleted.")
        gone = original(self, cluster_identifier, snapshot_name)
        # Listed as `deleting`, its identifier taken, until AWS is done with it.
        self.clusters[cluster_identifier] = gone
        set_phase(gone, "status", "deleting", FOREVER)
        snapshot = self.cluster_snapshots.get(snapshot_name) if snapshot_name else None
        if snapshot is not None:
            set_phase(snapshot, "status", "creating", FOREVER)

        def done():
            if self.clusters.get(cluster_identifier) is gone:
                del self.clusters[cluster_identifier]
            if snapshot is not None:
                clear_phase(snapshot, "status")

        later(seconds("rds.cluster", "delete"), done)
        return gone

    @wrap(rds.RDSBackend, "create_db_instance")
    def create_db_instance(original, self, db_kwargs):
        db = original(self, db_kwargs)
        set_phase(db, "status", "creating", seconds(instance_type(db), "create"))
        return db

    @wrap(rds.RDSBackend, "modify_db_instance")
    def modify_db_instance(original, self, db_instance_identifier, db_kwargs):
        db = self.databases.get(db_instance_identifier)
        if db is not None and db.status != "available":
            raise RDSClientError("InvalidDBInstanceState", f"Database instance {db_instance_identifier} is in {db.status} state.")
        answer = original(self, db_instance_identifier, db_kwargs)
        set_phase(answer, "status", "modifying", seconds(instance_type(answer), "update"))
        return answer

    @wrap(rds.RDSBackend, "delete_db_instance")
    def delete_db_instance(original, self, *args, **kwargs):
        ident = kwargs.get("db_instance_identifier", args[0] if args else None)
        db = self.databases.get(ident)
        if db is not None and deleting(db):
            raise RDSClientError("InvalidDBInstanceState", f"Instance {ident} is already being deleted.")
        gone = original(self, *args, **kwargs)
        self.databases[ident] = gone
        set_phase(gone, "status", "deleting", FOREVER)

        def done():
            if self.databases.get(ident) is gone:
                del self.databases[ident]

        later(seconds(instance_type(gone), "delete"), done)
        return gone

    @wrap(rds.RDSBackend, "delete_subnet_group")
    def delete_subnet_group(original, self, subnet_name):
        for cluster in self.clusters.values():
            if cluster.db_subnet_group_name == subnet_name:
                raise RDSClientError(
                    "InvalidDBSubnetGroupStateFault",
                    f"Cannot delete the subnet group '{subnet_name}' because at least one database cluster: "
                    f"{cluster.db_cluster_identifier} is still using it.",
                )
        for db in self.databases.values():
            if not isinstance(db, rds.DBInstanceClustered) and getattr(db, "_db_subnet_group_name", None) == subnet_name:
                raise RDSClientError(
                    "InvalidDBSubnetGroupStateFault",
                    f"Cannot delete the subnet group '{subnet_name}' because at least one database instance: "
                    f"{db.db_instance_identifier} is still using it.",
                )
        return original(self, subnet_name)


def _rds_holders(account, region, group_id):
    """RDS clusters and instances (deleting ones too) whose interfaces use the group."""
    from moto.rds.models import rds_backends

    backend = dict.get(rds_backends.get(account) or {}, region)
    if backend is None:
        return []
    held = [c.db_cluster_identifier for c in backend.clusters.values() if group_id in (c.vpc_security_group_ids or [])]
    for db in backend.databases.values():
        if group_id in (getattr(db, "vpc_security_group_ids", None) or []):
            held.append(db.db_instance_identifier)
    return held


# --- Lambda and IAM ---------------------------------------------------------------


def _lambda_functions(account, region):
    from moto.awslambda.models import lambda_backends

    backend = dict.get(lambda_backends.get(account) or {}, region)
    return list(backend.list_functions()) if backend is not None else []


def _eni_holders(account, region, kind, ident):
    """Lambda functions whose network interfaces use a subnet or security group: live
    ones, and deleted ones whose interfaces AWS has not released yet."""
    key = "SubnetIds" if kind == "subnet" else "SecurityGroupIds"
    held = [f.function_name for f in _lambda_functions(account, region) if ident in ((f._vpc_config or {}).get(key) or [])]
    t = now()
    for acc, reg, subnets, groups, until in _eni_holds:
        if (acc, reg) == (account, region) and until > t and ident in (subnets if kind == "subnet" else groups):
            held.append("a deleted function's network interface")
    return held


def _lambda():
    from moto.awslambda import models as lm
    from moto.awslambda.exceptions import InvalidParameterValueException, LambdaClientError
    from moto.iam import models as iam

    class ResourceConflict(LambdaClientError):
        code = 409

        def __init__(self, message):
            super().__init__("ResourceConflictException", message)

    @wrap(iam.IAMBackend, "create_role")
    def create_role(original, self, *args, **kwargs):
        role = original(self, *args, **kwargs)
        _roles[role.arn] = now()
        return role

    def check_role(arn):
        born = _roles.get(arn)
        if born is not None and now() - born < seconds("iam.role", "create"):
            raise InvalidParameterValueException("The role defined for the function cannot be assumed by Lambda.")

    def check_idle(fn):
        if fn.state == "Pending":
            raise ResourceConflict(
                "The operation cannot be performed at this time. The function is currently in the following state: Pending"
            )
        if phase(fn, "update"):
            raise ResourceConflict(
                f"The operation cannot be performed at this time. An update is in progress for resource: {fn.function_arn}"
            )

    def updating(fn, answer):
        set_phase(fn, "update", "InProgress", seconds("lambda.function", "update"))
        if isinstance(answer, dict):
            answer["LastUpdateStatus"] = "InProgress"
        return answer

    @wrap(lm.LambdaFunction, "get_configuration")
    def get_configuration(original, self, *args, **kwargs):
        config = original(self, *args, **kwargs)
        if phase(self, "update") and "LastUpdateStatus" in config:
            config["LastUpdateStatus"] = "InProgress"
        return config

    @wrap(lm.LambdaBackend, "create_function")
    def create_function(original, self, spec):
        check_role(spec.get("Role"))
        fn = original(self, spec)
        latest = self.get_function(spec["FunctionName"])
        latest.state = "Pending"

        def active():
            if latest.state == "Pending":
                latest.state = "Active"

        later(seconds("lambda.function", "create"), active)
        return fn

    @wrap(lm.LambdaBackend, "update_function_code")
    def update_function_code(original, self, function_name, qualifier, body):
        fn = self.get_function(function_name, qualifier)
        check_idle(fn)
        return updating(fn, original(self, function_name, qualifier, body))

    @wrap(lm.LambdaBackend, "update_function_configuration")
    def update_function_configuration(original, self, function_name, qualifier, body):
        fn = self.get_function(function_name, qualifier)
        check_idle(fn)
        if body.get("Role"):
            check_role(body["Role"])
        return updating(fn, original(self, function_name, qualifier, body))

    def idle_first(name, position):
        @wrap(lm.LambdaBackend, name)
        def call(original, self, *args, **kwargs):
            function_name = kwargs.get("function_name", args[position] if len(args) > position else None)
            check_idle(self.get_function(function_name))
            return original(self, *args, **kwargs)

    for name in ["put_function_concurrency", "delete_function_concurrency", "add_permission", "remove_permission"]:
        idle_first(name, 0)

    @wrap(lm.LambdaBackend, "delete_function")
    def delete_function(original, self, function_name, qualifier=None):
        fn = self.get_function(function_name, qualifier)
        vpc = fn._vpc_config or {}
        original(self, function_name, qualifier)
        if vpc.get("SubnetIds") or vpc.get("SecurityGroupIds"):
            until = now() + seconds("ec2.security_group", "delete")
            _eni_holds.append(
                (self.account_id, self.region_name, set(vpc.get("SubnetIds") or []), set(vpc.get("SecurityGroupIds") or []), until)
            )


# --- EC2: what network interfaces hold ---------------------------------------------


def _ec2():
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models import EC2Backend

    @wrap(EC2Backend, "delete_security_group")
    def delete_security_group(original, self, name=None, group_id=None):
        group = self.get_security_group_by_name_or_id(group_id or name) if (group_id or name) else None
        if group is not None:
            holders = _rds_holders(self.account_id, self.region_name, group.id) + _eni_holders(
                self.account_id, self.region_name, "group", group.id
            )
            if holders:
                raise DependencyViolationError(f"resource {group.id} has a dependent object")
        return original(self, name=name, group_id=group_id)

    @wrap(EC2Backend, "delete_subnet")
    def delete_subnet(original, self, subnet_id):
        if _eni_holders(self.account_id, self.region_name, "subnet", subnet_id):
            raise DependencyViolationError(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
        return original(self, subnet_id)


# --- SageMaker --------------------------------------------------------------------


def _sagemaker():
    from moto.sagemaker import models as sm
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.responses import SageMakerResponse
    from moto.core.responses import ActionResult

    def settle(endpoint, status, delay):
        endpoint.endpoint_status = status

        def done():
            if endpoint.endpoint_status == status:
                endpoint.endpoint_status = "InService"

        later(delay, done)

    @wrap(sm.SageMakerModelBackend, "create_endpoint")
    def create_endpoint(original, self, endpoint_name, endpoint_config_name, tags):
        if endpoint_name in self.endpoints:
            raise ValidationError(message=f'Cannot create already existing endpoint "{self.endpoints[endpoint_name].arn}".')
        endpoint = original(self, endpoint_name, endpoint_config_name, tags)
        settle(endpoint, "Creating", seconds("sagemaker.endpoint", "create"))
        return endpoint

    def update_endpoint(self, endpoint_name, endpoint_config_name):
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is None:
            arn = sm.FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
            raise ValidationError(message=f"Could not find endpoint '{arn}'.")
        if endpoint.endpoint_status != "InService":
            raise ValidationError(message=f'Cannot update in-progress endpoint "{endpoint.arn}".')
        config = self.describe_endpoint_config(endpoint_config_name)
        endpoint.endpoint_config_name = endpoint_config_name
        endpoint.production_variants = endpoint._process_production_variants(config["ProductionVariants"])
        settle(endpoint, "Updating", seconds("sagemaker.endpoint", "update"))
        return endpoint

    sm.SageMakerModelBackend.update_endpoint = update_endpoint

    def update_endpoint_action(self):
        endpoint = self.sagemaker_backend.update_endpoint(self._get_param("EndpointName"), self._get_param("EndpointConfigName"))
        return ActionResult({"EndpointArn": endpoint.arn})

    SageMakerResponse.update_endpoint = update_endpoint_action

    @wrap(sm.SageMakerModelBackend, "delete_endpoint")
    def delete_endpoint(original, self, endpoint_name):
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is None or endpoint.endpoint_status == "Deleting":
            return original(self, endpoint_name) if endpoint is None else None
        endpoint.endpoint_status = "Deleting"

        def done():
            if self.endpoints.get(endpoint_name) is endpoint:
                del self.endpoints[endpoint_name]

        later(seconds("sagemaker.endpoint", "delete"), done)


# --- CloudFront -------------------------------------------------------------------


def _cloudfront():
    from moto.cloudfront import models as cf
    from moto.cloudfront.exceptions import CloudFrontException

    overlay(cf.Distribution, "status")

    @wrap(cf.CloudFrontBackend, "create_distribution_with_tags")
    def create(original, self, distribution_config, tags):
        answer = original(self, distribution_config, tags)
        set_phase(answer[0], "status", "InProgress", seconds("cloudfront.distribution", "create"))
        return answer

    @wrap(cf.CloudFrontBackend, "update_distribution")
    def update(original, self, dist_config, _id, if_match):
        answer = original(self, dist_config, _id, if_match)
        set_phase(answer[0], "status", "InProgress", seconds("cloudfront.distribution", "update"))
        return answer

    @wrap(cf.CloudFrontBackend, "delete_distribution")
    def delete(original, self, distribution_id, if_match):
        dist = self.distributions.get(distribution_id)
        if dist is not None:
            enabled = getattr(dist.distribution_config, "Enabled", False)
            if str(enabled).lower() == "true" or dist.status != "Deployed":
                raise CloudFrontException("DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.")
        return original(self, distribution_id, if_match)


# --- Secrets Manager, SQS, KMS ------------------------------------------------------


def _secretsmanager():
    from moto.secretsmanager import models as sec
    from moto.secretsmanager.exceptions import InvalidRequestException

    @wrap(sec.SecretsManagerBackend, "create_secret")
    def create_secret(original, self, name, *args, **kwargs):
        held = self.secrets.get(name)
        if held is not None and getattr(held, "deleted_date", None):
            raise InvalidRequestException(
                "You can't create this secret because a secret with this name is already scheduled for deletion."
            )
        return original(self, name, *args, **kwargs)

    @wrap(sec.SecretsManagerBackend, "delete_secret")
    def delete_secret(original, self, secret_id, recovery_window_in_days, force_delete_without_recovery):
        answer = original(self, secret_id, recovery_window_in_days, force_delete_without_recovery)
        secret = self.secrets.get(secret_id) if not force_delete_without_recovery else None
        if secret is not None and secret.deleted_date:

            def gone():
                if self.secrets.get(secret_id) is secret and secret.deleted_date:
                    del self.secrets[secret_id]

            later(scaled((recovery_window_in_days or 30) * DAY), gone)
        return answer


def _sqs():
    from moto.sqs import models as sqs
    from moto.sqs.exceptions import SQSException

    @wrap(sqs.SQSBackend, "delete_queue")
    def delete_queue(original, self, queue_name):
        original(self, queue_name)
        _queues_deleted[(self.account_id, self.region_name, queue_name)] = now() + scaled(SQS_NAME_HELD)

    @wrap(sqs.SQSBackend, "create_queue")
    def create_queue(original, self, name, *args, **kwargs):
        until = _queues_deleted.get((self.account_id, self.region_name, name))
        if until is not None and until > now():
            raise SQSException(
                "AWS.SimpleQueueService.QueueDeletedRecently",
                "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
            )
        return original(self, name, *args, **kwargs)


def _kms():
    from moto.kms import models as kms
    from moto.core.exceptions import JsonRESTError

    def usable(self, key_id):
        key = self.keys.get(self.any_id_to_key_id(key_id))
        if key is not None and key.key_state == "PendingDeletion":
            raise JsonRESTError("KMSInvalidStateException", f"{key.arn} is pending deletion.")

    for name in ["encrypt", "generate_data_key"]:

        def guard(name=name):
            @wrap(kms.KmsBackend, name)
            def call(original, self, key_id, *args, **kwargs):
                usable(self, key_id)
                return original(self, key_id, *args, **kwargs)

        guard()

    @wrap(kms.KmsBackend, "schedule_key_deletion")
    def schedule(original, self, key_id, pending_window_in_days):
        answer = original(self, key_id, pending_window_in_days)
        key = self.keys.get(key_id)
        if key is not None and key.key_state == "PendingDeletion":

            def gone():
                if self.keys.get(key_id) is key and key.key_state == "PendingDeletion":
                    del self.keys[key_id]

            later(scaled(pending_window_in_days * DAY), gone)
        return answer


# --- installing -------------------------------------------------------------------


def install():
    """Install the clock if `INFRA_EMULATOR_CLOCK` asks for it; a no-op otherwise."""
    global _factor, _table
    f = factor()
    if f is None:
        return
    _factor = f
    with open(_DURATIONS, "rb") as durations:
        _table = tomllib.load(durations)

    from moto.moto_api._internal.models import MotoAPIBackend
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    @wrap(DomainDispatcherApplication, "__call__")
    def call(original, self, environ, start_response):
        tick()
        return original(self, environ, start_response)

    @wrap(MotoAPIBackend, "reset")
    def reset(original, self):
        forget()
        return original(self)

    for service in [_rds, _lambda, _ec2, _sagemaker, _cloudfront, _secretsmanager, _sqs, _kms]:
        service()
