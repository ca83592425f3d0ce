//! Amazon SQS: queues.

pub mod queue;
pub mod queue_policy;
