//! AWS Certificate Manager: public certificates for load balancers and APIs.

pub mod certificate;
