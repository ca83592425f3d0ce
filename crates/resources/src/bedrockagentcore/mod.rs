//! Amazon Bedrock AgentCore: the runtimes that host agent containers.

pub mod agent_runtime;
