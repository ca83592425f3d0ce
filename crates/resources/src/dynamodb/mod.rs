//! Amazon DynamoDB: tables.

pub mod table;
