//! AWS Step Functions: state machines (workflows in the Amazon States Language).

pub mod state_machine;
