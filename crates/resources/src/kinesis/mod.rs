//! Amazon Kinesis Data Streams: streams of records, read by shard.

pub mod stream;
