//! Manifest type names to implementations: one line per type. Each entry also keeps
//! its file's `//!` header, which the generated reference (docs/resources.md) shows.

use super::{
    acm, apigateway, apigatewayv2, apprunner, bedrockagentcore, cloudcontrol, cloudfront, cloudwatch, dynamodb, ec2, ecr, ecs, elbv2,
    events, iam, kinesis, kms, lambda, logs, random, rds, route53, s3, sagemaker, scheduler, secretsmanager, sns, sqs, ssm, stepfunctions,
    sts,
};
use super::{DynDataSource, DynResource};

pub struct Entry<T: ?Sized + 'static> {
    pub kind: &'static T,
    pub source: &'static str,
}

/// `service::file::Type` registers the type in `resources/service/file.rs`.
macro_rules! entries {
    ($t:ty; $($svc:ident::$file:ident::$ty:ident),* $(,)?) => {
        &[$(Entry::<$t> { kind: &$svc::$file::$ty, source: include_str!(concat!(stringify!($svc), "/", stringify!($file), ".rs")) }),*]
    };
}

pub static RESOURCES: &[Entry<dyn DynResource>] = entries![dyn DynResource;
    acm::certificate::Certificate,
    apigateway::api_key::ApiKey,
    apigateway::base_path_mapping::BasePathMapping,
    apigateway::domain_name::DomainName,
    apigateway::rest_api::RestApi,
    apigateway::usage_plan::UsagePlan,
    apigatewayv2::api::Api,
    apigatewayv2::api_mapping::ApiMapping,
    apigatewayv2::authorizer::Authorizer,
    apigatewayv2::domain_name::DomainName,
    apigatewayv2::integration::Integration,
    apigatewayv2::route::Route,
    apigatewayv2::stage::Stage,
    apprunner::service::AppRunnerService,
    bedrockagentcore::agent_runtime::AgentRuntime,
    cloudcontrol::resource::CloudControlResource,
    cloudfront::distribution::CloudFrontDistribution,
    cloudfront::origin_access_control::OriginAccessControl,
    cloudwatch::dashboard::Dashboard,
    cloudwatch::metric_alarm::MetricAlarm,
    dynamodb::table::Table,
    ec2::eip::Eip,
    ec2::flow_log::FlowLog,
    ec2::internet_gateway::InternetGateway,
    ec2::nat_gateway::NatGateway,
    ec2::route_table::RouteTable,
    ec2::security_group::SecurityGroup,
    ec2::security_group_rule::SecurityGroupRule,
    ec2::subnet::Subnet,
    ec2::vpc::Vpc,
    ec2::vpc_endpoint::VpcEndpoint,
    ecr::repository::EcrRepository,
    ecs::cluster::Cluster,
    ecs::service::Service,
    ecs::task_definition::TaskDefinition,
    elbv2::listener::Listener,
    elbv2::listener_rule::ListenerRule,
    elbv2::load_balancer::LoadBalancer,
    elbv2::target_group::TargetGroup,
    events::event_bus::EventBus,
    events::rule::Rule,
    events::target::Target,
    iam::instance_profile::InstanceProfile,
    iam::openid_connect_provider::OpenIdConnectProvider,
    iam::policy::Policy,
    iam::role::Role,
    kinesis::stream::Stream,
    kms::alias::Alias,
    kms::key::Key,
    lambda::alias::Alias,
    lambda::event_source_mapping::EventSourceMapping,
    lambda::function::Function,
    lambda::function_url::FunctionUrl,
    lambda::layer_version::LayerVersion,
    lambda::permission::Permission,
    logs::log_group::LogGroup,
    logs::metric_filter::MetricFilter,
    logs::resource_policy::ResourcePolicy,
    logs::subscription_filter::SubscriptionFilter,
    random::id::RandomId,
    rds::cluster::Cluster,
    rds::cluster_instance::ClusterInstance,
    rds::instance::Instance,
    rds::subnet_group::SubnetGroup,
    route53::record::Record,
    route53::zone::Zone,
    s3::bucket::Bucket,
    s3::bucket_notification::BucketNotification,
    s3::bucket_policy::BucketPolicy,
    sagemaker::endpoint::Endpoint,
    sagemaker::endpoint_config::EndpointConfig,
    sagemaker::model::Model,
    scheduler::schedule::Schedule,
    secretsmanager::secret::Secret,
    sns::subscription::Subscription,
    sns::topic::Topic,
    sns::topic_policy::TopicPolicy,
    sqs::queue::Queue,
    sqs::queue_policy::QueuePolicy,
    ssm::parameter::Parameter,
    stepfunctions::state_machine::StateMachine,
];

pub static DATA_SOURCES: &[Entry<dyn DynDataSource>] = entries![dyn DynDataSource;
    ec2::availability_zones::AvailabilityZones,
    ec2::default_vpc::DefaultVpc,
    ec2::subnets::Subnets,
    ec2::vpc_lookup::VpcLookup,
    sts::caller_identity::CallerIdentity,
];

pub fn resource(type_name: &str) -> Option<&'static dyn DynResource> {
    RESOURCES.iter().map(|e| e.kind).find(|r| r.type_name() == type_name)
}

pub fn data_source(type_name: &str) -> Option<&'static dyn DynDataSource> {
    DATA_SOURCES.iter().map(|e| e.kind).find(|r| r.type_name() == type_name)
}

/// Every resource type, in the order above (by service).
pub fn resources() -> impl Iterator<Item = &'static dyn DynResource> {
    RESOURCES.iter().map(|e| e.kind)
}

pub fn data_sources() -> impl Iterator<Item = &'static dyn DynDataSource> {
    DATA_SOURCES.iter().map(|e| e.kind)
}

/// What the type's file says about it in its `//!` header, as one paragraph.
pub fn doc(type_name: &str) -> String {
    header(RESOURCES.iter().find(|e| e.kind.type_name() == type_name).map(|e| e.source).unwrap_or_default())
}

/// The same for a lookup (which may share its name with a resource type: `ec2.vpc`).
pub fn data_doc(type_name: &str) -> String {
    header(DATA_SOURCES.iter().find(|e| e.kind.type_name() == type_name).map(|e| e.source).unwrap_or_default())
}

fn header(source: &str) -> String {
    let lines: Vec<&str> = source.lines().map_while(|l| l.strip_prefix("//!")).map(str::trim).collect();
    let text = lines.join(" ");
    // The header starts "`type.name`: ..." or "`type.name` (lookup): ...".
    text.split_once(": ").map(|(_, rest)| rest.to_string()).unwrap_or(text)
}

/// Whether `type_name`'s attribute `attr` is sensitive.
pub fn is_sensitive(type_name: &str, attr: &str) -> bool {
    resource(type_name).is_some_and(|r| r.attributes().iter().any(|a| a.name == attr && a.sensitive))
}

pub fn resource_types() -> impl Iterator<Item = &'static str> {
    resources().map(|r| r.type_name())
}

pub fn data_source_types() -> impl Iterator<Item = &'static str> {
    data_sources().map(|r| r.type_name())
}
