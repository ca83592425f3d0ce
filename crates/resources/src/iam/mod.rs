//! AWS IAM: roles, managed policies, instance profiles, and the OpenID Connect providers
//! that let outside identities (CI) assume roles.

pub mod instance_profile;
pub mod openid_connect_provider;
pub mod policy;
pub mod role;
