//! Amazon SQS: queues.

pub mod queue;
