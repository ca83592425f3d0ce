//! `rds.instance`: a single (non-Aurora) database instance, e.g. PostgreSQL 15 in private
//! subnets. As with `rds.cluster`, the master password comes from a Secrets Manager
//! secret at create time and with each new version of it, and is never stored; deleting takes a final snapshot
//! (`<identifier>-final-<time>`) unless `skip_final_snapshot`.

use async_trait::async_trait;
use aws_sdk_rds::types::DbInstance;

use super::cluster::{check_password_follows, master_password, password_changed};
use super::{create_instance, delete_instance, describe_instance, live_tags, sdk_tags, sync_tags, wait_instance};
use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Contents, Created, Ctx, Example, Identity, Observed, Peers, PrepareCx, Problem, Resource, ResourceError};

props! {
    pub struct InstanceProps {
        identifier: String => required, replace, check(rules::RDS_IDENTIFIER);
        engine: String => default("postgres"), replace, check(Check::OneOf(&["postgres", "mysql", "mariadb"]));
        /// Upgrading is in place; AWS refuses downgrades.
        engine_version: Option<String> => optional;
        instance_class: String => default("db.t4g.micro"), check(Check::MaxLen(64));
        /// GiB.
        allocated_storage: i64 => default(20), check(Check::Range { min: 20, max: 65536 });
        storage_type: String => default("gp3"), check(Check::OneOf(&["gp2", "gp3", "io1", "io2"]));
        storage_encrypted: bool => default(true), replace;
        /// A customer KMS key for the storage.
        kms_key_id: Option<String> => optional, replace;
        database_name: Option<String> => optional, replace;
        master_username: String => required, replace, check(crate::schema::check::rules::DB_MASTER_USER);
        /// ARN of a secret whose JSON value holds the master password.
        master_password_secret: String => required, check(Check::Arn);
        master_password_key: String => default("password");
        /// Set to `${resources.NAME.version_id}` so a new password in the secret reaches
        /// the database: when it changes, the master password is set from the secret
        /// again. Required when the secret is one of the project's with `generate`.
        master_password_version: Option<String> => optional;
        /// The DB subnet group; left unset, AWS uses the default VPC's. Changing it moves
        /// the instance, data kept, with a short outage (applied at once). AWS takes only
        /// a group in another VPC, with a subnet in the instance's zone, and refuses while
        /// the instance is Multi-AZ or has read replicas.
        subnet_group: Option<String> => optional;
        security_group_ids: Vec<String> => default([]);
        publicly_accessible: bool => default(false);
        multi_az: bool => default(false);
        /// Days automated backups are kept (0 turns them off).
        backup_retention_days: i64 => default(7), check(Check::Range { min: 0, max: 35 });
        deletion_protection: bool => default(false);
        /// Delete without a final snapshot: the data goes with the instance.
        skip_final_snapshot: bool => default(false);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct InstanceAttrs {
        identifier: String,
        arn: String,
        /// The instance's host name.
        endpoint: String,
        port: i64,
        resource_id: String,
    }
}

pub struct Instance;

fn attrs(i: &DbInstance) -> InstanceAttrs {
    InstanceAttrs {
        identifier: i.db_instance_identifier().unwrap_or_default().to_string(),
        arn: i.db_instance_arn().unwrap_or_default().to_string(),
        endpoint: i.endpoint().and_then(|e| e.address()).unwrap_or_default().to_string(),
        port: i.endpoint().and_then(|e| e.port()).map(i64::from).unwrap_or(0),
        resource_id: i.dbi_resource_id().unwrap_or_default().to_string(),
    }
}

#[async_trait]
impl Resource for Instance {
    type Props = InstanceProps;
    type Attrs = InstanceAttrs;
    const TYPE: &'static str = "rds.instance";
    const IDENTITY: Identity = Identity::Named("identifier");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.credentials]
type = "secretsmanager.secret"
name = "conformance-postgres-credentials"
recovery_window_days = 0
generate = { username = "steno", password_length = 24 }

[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.86.0.0/16"

[resources.a]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.86.1.0/24"
availability_zone = "us-east-1a"

[resources.b]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.86.2.0/24"
availability_zone = "us-east-1b"

[resources.subnets]
type = "rds.subnet_group"
name = "conformance-postgres"
subnet_ids = ["${resources.a.id}", "${resources.b.id}"]

[resources.vpc2]
type = "ec2.vpc"
cidr_block = "10.87.0.0/16"

[resources.c]
type = "ec2.subnet"
vpc_id = "${resources.vpc2.id}"
cidr_block = "10.87.1.0/24"
availability_zone = "us-east-1a"

[resources.d]
type = "ec2.subnet"
vpc_id = "${resources.vpc2.id}"
cidr_block = "10.87.2.0/24"
availability_zone = "us-east-1b"

[resources.subnets2]
type = "rds.subnet_group"
name = "conformance-postgres-2"
subnet_ids = ["${resources.c.id}", "${resources.d.id}"]

[resources.example]
type = "rds.instance"
identifier = "conformance-postgres"
engine_version = "15.7"
database_name = "steno"
master_username = "steno"
master_password_secret = "${resources.credentials.arn}"
master_password_version = "${resources.credentials.version_id}"
subnet_group = "${resources.subnets.name}"
skip_final_snapshot = true
"#,
        updates: &[
            "backup_retention_days = 3",
            "instance_class = \"db.t4g.small\"",
            "allocated_storage = 30",
            "subnet_group = \"${resources.subnets2.name}\"",
        ],
        replace: Some("database_name = \"steno2\""),
        skip: &[(crate::Skip::Discover, "RDS does not record which secret holds the master password, and the manifest must name it")],
    };

    const CHECK_READS: &'static [&'static str] = &["master_password_version"];

    fn check_peers(&self, p: &InstanceProps, peers: &dyn Peers) -> Vec<Problem> {
        check_password_follows(p.master_password_version.as_deref(), peers)
    }

    fn early(&self, p: &InstanceProps, _at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("identifier", p.identifier.clone())]
    }

    fn prepare(&self, p: &mut InstanceProps, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        p.security_group_ids.sort();
        Ok(())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &InstanceProps) -> Result<Created<InstanceAttrs>, ResourceError> {
        let password = master_password(cx, &p.master_password_secret, &p.master_password_key).await?;
        let req = cx
            .aws
            .rds()
            .create_db_instance()
            .db_instance_identifier(&p.identifier)
            .engine(&p.engine)
            .set_engine_version(p.engine_version.clone())
            .db_instance_class(&p.instance_class)
            .allocated_storage(p.allocated_storage as i32)
            .storage_type(&p.storage_type)
            .storage_encrypted(p.storage_encrypted)
            .set_kms_key_id(p.kms_key_id.clone())
            .set_db_name(p.database_name.clone())
            .master_username(&p.master_username)
            .master_user_password(password)
            .set_db_subnet_group_name(p.subnet_group.clone())
            .set_vpc_security_group_ids((!p.security_group_ids.is_empty()).then(|| p.security_group_ids.clone()))
            .publicly_accessible(p.publicly_accessible)
            .multi_az(p.multi_az)
            .backup_retention_period(p.backup_retention_days as i32)
            .deletion_protection(p.deletion_protection)
            .set_tags(Some(sdk_tags(&p.tags)));
        create_instance(cx, &p.identifier, req).await?;
        Ok(Created::new(&p.identifier, attrs(&wait_instance(cx, &p.identifier).await?)))
    }

    async fn settle(&self, cx: &Ctx<'_>, id: &str, _p: &InstanceProps) -> Result<(), ResourceError> {
        wait_instance(cx, id).await.map(|_| ())
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &InstanceProps,
    ) -> Result<Option<Observed<InstanceProps, InstanceAttrs>>, ResourceError> {
        let Some(i) = describe_instance(cx, id).await? else { return Ok(None) };
        if i.db_instance_status() == Some("deleting") {
            return Ok(None);
        }
        let mut security_group_ids: Vec<String> =
            i.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id().map(str::to_string)).collect();
        security_group_ids.sort();
        let props = InstanceProps {
            identifier: id.to_string(),
            engine: i.engine().unwrap_or(&p.engine).to_string(),
            // Unpinned, AWS's choice of version is not a difference.
            engine_version: p.engine_version.as_ref().and(i.engine_version().map(str::to_string)),
            instance_class: i.db_instance_class().unwrap_or_default().to_string(),
            allocated_storage: i.allocated_storage().map(i64::from).unwrap_or(p.allocated_storage),
            storage_type: i.storage_type().unwrap_or(&p.storage_type).to_string(),
            storage_encrypted: i.storage_encrypted().unwrap_or(p.storage_encrypted),
            kms_key_id: p.kms_key_id.as_ref().and(i.kms_key_id().map(str::to_string)),
            database_name: i.db_name().map(str::to_string),
            master_username: i.master_username().unwrap_or(&p.master_username).to_string(),
            master_password_secret: p.master_password_secret.clone(),
            master_password_key: p.master_password_key.clone(),
            master_password_version: p.master_password_version.clone(),
            subnet_group: i
                .db_subnet_group()
                .and_then(|g| g.db_subnet_group_name())
                .map(str::to_string)
                .filter(|_| p.subnet_group.is_some()),
            security_group_ids: if p.security_group_ids.is_empty() { Vec::new() } else { security_group_ids },
            publicly_accessible: i.publicly_accessible().unwrap_or(false),
            multi_az: i.multi_az().unwrap_or(false),
            backup_retention_days: i.backup_retention_period().map(i64::from).unwrap_or(p.backup_retention_days),
            deletion_protection: i.deletion_protection().unwrap_or(false),
            skip_final_snapshot: p.skip_final_snapshot,
            tags: live_tags(i.tag_list()),
        };
        Ok(Some(Observed { props, attrs: attrs(&i) }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &InstanceProps,
        new: &InstanceProps,
    ) -> Result<Option<InstanceAttrs>, ResourceError> {
        // Unset is AWS's choice, not a move back to the default VPC.
        let moved_to = new.subnet_group.clone().filter(|_| old.subnet_group != new.subnet_group);
        let password = password_changed(
            (&old.master_password_secret, &old.master_password_key, &old.master_password_version),
            (&new.master_password_secret, &new.master_password_key, &new.master_password_version),
        );
        let changed = (&old.engine_version, &old.instance_class, old.allocated_storage, &old.storage_type, &old.security_group_ids)
            != (&new.engine_version, &new.instance_class, new.allocated_storage, &new.storage_type, &new.security_group_ids)
            || (old.publicly_accessible, old.multi_az, old.backup_retention_days, old.deletion_protection)
                != (new.publicly_accessible, new.multi_az, new.backup_retention_days, new.deletion_protection)
            || password
            || moved_to.is_some();
        if changed {
            let mut req = cx
                .aws
                .rds()
                .modify_db_instance()
                .db_instance_identifier(id)
                .apply_immediately(true)
                .set_engine_version(new.engine_version.clone().filter(|_| old.engine_version != new.engine_version))
                .db_instance_class(&new.instance_class)
                .allocated_storage(new.allocated_storage as i32)
                .storage_type(&new.storage_type)
                .set_vpc_security_group_ids((!new.security_group_ids.is_empty()).then(|| new.security_group_ids.clone()))
                .set_db_subnet_group_name(moved_to)
                .publicly_accessible(new.publicly_accessible)
                .multi_az(new.multi_az)
                .backup_retention_period(new.backup_retention_days as i32)
                .deletion_protection(new.deletion_protection);
            if password {
                req = req.master_user_password(master_password(cx, &new.master_password_secret, &new.master_password_key).await?);
            }
            req.send().await.api("ModifyDBInstance")?;
        }
        let arn = wait_instance(cx, id).await?.db_instance_arn().unwrap_or_default().to_string();
        sync_tags(cx, &arn, &old.tags, &new.tags).await?;
        Ok(Some(attrs(&wait_instance(cx, id).await?)))
    }

    /// The instance's databases and storage, and whether `delete` keeps them in a final
    /// snapshot.
    async fn contents(&self, cx: &Ctx<'_>, id: &str, p: &InstanceProps) -> Result<Option<Contents>, ResourceError> {
        let Some(instance) = describe_instance(cx, id).await? else { return Ok(None) };
        let engine = instance.engine().unwrap_or(&p.engine);
        let storage = instance.allocated_storage().map(i64::from).unwrap_or(p.allocated_storage);
        let held = match instance.db_name().or(p.database_name.as_deref()) {
            Some(db) => format!("the {engine} database `{db}` and any others on it ({storage} GiB allocated)"),
            None => format!("its {engine} databases ({storage} GiB allocated)"),
        };
        let kept = (!p.skip_final_snapshot).then(|| format!("kept in a final snapshot {id}-final-<time>"));
        Ok(Some(Contents { held, kept }))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &InstanceProps) -> Result<(), ResourceError> {
        let snapshot = format!("{id}-final-{}", chrono_like_now());
        let req = cx
            .aws
            .rds()
            .delete_db_instance()
            .db_instance_identifier(id)
            .skip_final_snapshot(p.skip_final_snapshot)
            .set_final_db_snapshot_identifier((!p.skip_final_snapshot).then(|| snapshot.clone()));
        if delete_instance(cx, id, req).await? {
            if !p.skip_final_snapshot {
                cx.progress.note(cx.address, &format!("final snapshot {snapshot} keeps the data"));
            }
            cx.wait_gone(&format!("database {id}"), || async { Ok(describe_instance(cx, id).await?.is_some()) }).await?;
        }
        Ok(())
    }
}

/// `YYYYMMDDThhmmssZ` in UTC, lower case: snapshot names allow letters, digits and hyphens.
fn chrono_like_now() -> String {
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    stamp.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase()
}
