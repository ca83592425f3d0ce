//! Manifest type names to implementations.

use super::{
    apigateway_api_key, apigateway_rest_api, apigateway_usage_plan, apprunner_service, cloudfront_distribution,
    cloudfront_origin_access_control, cloudwatch_dashboard, cloudwatch_log_group, data_sources, ec2_security_group, ecr_repository,
    iam_role, lambda_event_source_mapping, lambda_function, lambda_permission, random_id, rds_cluster, rds_cluster_instance,
    rds_subnet_group, s3_bucket, s3_bucket_policy, sagemaker_endpoint, sagemaker_endpoint_config, sagemaker_model, scheduler_schedule,
    secretsmanager_secret, sqs_queue, DynDataSource, DynResource,
};

static RESOURCES: &[&dyn DynResource] = &[
    &apigateway_api_key::ApiKey,
    &apigateway_rest_api::RestApi,
    &apigateway_usage_plan::UsagePlan,
    &apprunner_service::AppRunnerService,
    &cloudfront_distribution::CloudFrontDistribution,
    &cloudfront_origin_access_control::OriginAccessControl,
    &cloudwatch_dashboard::Dashboard,
    &cloudwatch_log_group::LogGroup,
    &ec2_security_group::SecurityGroup,
    &ecr_repository::EcrRepository,
    &iam_role::Role,
    &lambda_event_source_mapping::EventSourceMapping,
    &lambda_function::Function,
    &lambda_permission::Permission,
    &random_id::RandomId,
    &rds_cluster::Cluster,
    &rds_cluster_instance::ClusterInstance,
    &rds_subnet_group::SubnetGroup,
    &s3_bucket::Bucket,
    &s3_bucket_policy::BucketPolicy,
    &sagemaker_endpoint::Endpoint,
    &sagemaker_endpoint_config::EndpointConfig,
    &sagemaker_model::Model,
    &scheduler_schedule::Schedule,
    &secretsmanager_secret::Secret,
    &sqs_queue::Queue,
];

static DATA_SOURCES: &[&dyn DynDataSource] = &[&data_sources::DefaultVpc, &data_sources::Subnets, &data_sources::CallerIdentity];

pub fn resource(type_name: &str) -> Option<&'static dyn DynResource> {
    RESOURCES.iter().copied().find(|r| r.type_name() == type_name)
}

pub fn data_source(type_name: &str) -> Option<&'static dyn DynDataSource> {
    DATA_SOURCES.iter().copied().find(|r| r.type_name() == type_name)
}

/// Whether `type_name`'s attribute `attr` is sensitive.
pub fn is_sensitive(type_name: &str, attr: &str) -> bool {
    resource(type_name).is_some_and(|r| r.attributes().iter().any(|a| a.name == attr && a.sensitive))
}

pub fn resource_types() -> impl Iterator<Item = &'static str> {
    RESOURCES.iter().map(|r| r.type_name())
}

pub fn data_source_types() -> impl Iterator<Item = &'static str> {
    DATA_SOURCES.iter().map(|r| r.type_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_schemas_are_tables() {
        let mut names: Vec<_> = resource_types().chain(data_source_types()).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
        for r in RESOURCES {
            assert!(!r.schema().fields().is_empty(), "{}", r.type_name());
        }
    }
}
