//! `rds.cluster`: an Aurora cluster (Serverless v2 scaling, Data API flag, backups,
//! deletion protection). The master password is read from a Secrets Manager secret at
//! create time, and again when the secret's version changes (`master_password_version`),
//! and passed straight to RDS; it is never stored. Deleting takes a final
//! snapshot (unless told not to) and creating restores the newest one, so the data
//! outlives a `down` / `up` cycle.

use async_trait::async_trait;
use aws_sdk_rds::types::{DbCluster, DbClusterSnapshot, ServerlessV2ScalingConfiguration};

use super::{live_tags, sdk_tags, sync_tags};
use crate::aws::{AwsError, SdkResultExt};
use crate::schema::check::rules;
use crate::schema::Check;
use crate::secretsmanager::secret::Secret;
use crate::tags::Tags;
use crate::{attrs, props, secrets};
use crate::{Contents, Created, Ctx, Example, Identity, Observed, Peers, Poll, PrepareCx, Problem, Resource, ResourceError};

props! {
    /// Aurora Serverless v2 capacity range in ACUs.
    pub struct Scaling {
        min_capacity: f64 => required, check(Check::FloatRange { min: 0.0, max: 256.0 });
        max_capacity: f64 => required, check(Check::FloatRange { min: 1.0, max: 256.0 });
        /// With `min_capacity = 0`: idle seconds before the cluster pauses (compute
        /// billed at 0 until the next connection, which resumes it in about 15 s).
        seconds_until_auto_pause: Option<i64> => optional, check(Check::Range { min: 300, max: 86400 });
    }
}

props! {
    pub struct ClusterProps {
        identifier: String => required, replace, check(rules::RDS_IDENTIFIER);
        engine: String => default("aurora-postgresql"), replace, check(Check::OneOf(&["aurora-postgresql", "aurora-mysql"]));
        engine_version: Option<String> => optional;
        database_name: Option<String> => optional, replace;
        master_username: String => required, replace, check(rules::DB_MASTER_USER);
        /// ARN of a secret whose JSON value holds the master password.
        master_password_secret: String => required, check(Check::Arn);
        /// Key of the password in that secret's JSON.
        master_password_key: String => default("password");
        /// Set to `${resources.NAME.version_id}` so a new password in the secret reaches
        /// the database: when it changes, the master password is set from the secret
        /// again. Required when the secret is one of the project's with `generate`.
        master_password_version: Option<String> => optional;
        subnet_group: Option<String> => optional, replace;
        security_group_ids: Vec<String> => default([]);
        serverless_v2: Option<Scaling> => optional;
        /// The RDS Data API (HTTP endpoint).
        enable_http_endpoint: bool => default(false);
        /// Days automated backups are kept.
        backup_retention_days: i64 => default(1), check(Check::Range { min: 1, max: 35 });
        deletion_protection: bool => default(false);
        /// Delete without a final snapshot: the data goes with the cluster.
        skip_final_snapshot: bool => default(false);
        /// Create from the newest final snapshot this cluster left (`<identifier>-final-<time>`,
        /// tagged as this environment's), so data survives `down` and `up`; `false` starts empty.
        restore_from_final_snapshot: bool => default(true);
        /// Final snapshots kept; older ones are deleted when a new one is taken.
        final_snapshots_kept: i64 => default(3), check(Check::Range { min: 1, max: 100 });
        storage_encrypted: bool => default(true), replace;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct ClusterAttrs {
        identifier: String,
        arn: String,
        /// The writer endpoint's host name.
        endpoint: String,
        reader_endpoint: String,
        /// The cluster's resource id (for IAM database authentication).
        resource_id: String,
    }
}

pub struct Cluster;

fn attrs(c: &DbCluster) -> ClusterAttrs {
    ClusterAttrs {
        identifier: c.db_cluster_identifier().unwrap_or_default().to_string(),
        arn: c.db_cluster_arn().unwrap_or_default().to_string(),
        endpoint: c.endpoint().unwrap_or_default().to_string(),
        reader_endpoint: c.reader_endpoint().unwrap_or_default().to_string(),
        resource_id: c.db_cluster_resource_id().unwrap_or_default().to_string(),
    }
}

/// Auto-pause means something only at 0 ACU: above it, it is neither sent nor compared.
fn auto_pause(s: &Scaling) -> Option<i32> {
    (s.min_capacity == 0.0).then_some(s.seconds_until_auto_pause).flatten().map(|v| v as i32)
}

fn scaling(p: &ClusterProps) -> Option<ServerlessV2ScalingConfiguration> {
    p.serverless_v2.as_ref().map(|s| {
        ServerlessV2ScalingConfiguration::builder()
            .min_capacity(s.min_capacity)
            .max_capacity(s.max_capacity)
            .set_seconds_until_auto_pause(auto_pause(s))
            .build()
    })
}

/// Whether the master password is to be set from the secret again: another secret or
/// key, or a new version of the secret's value (one followed from now on counts: the
/// database may still have an older one).
pub(super) fn password_changed<S: PartialEq>(old: (&S, &S, &Option<S>), new: (&S, &S, &Option<S>)) -> bool {
    (old.0, old.1) != (new.0, new.1) || (new.2.is_some() && old.2 != new.2)
}

/// The password from the secret: as this run wrote it (no second call), else read.
pub(super) async fn master_password(cx: &Ctx<'_>, secret: &str, key: &str) -> Result<String, ResourceError> {
    let raw = match secrets::written(secret) {
        Some(v) => v,
        None => {
            let out = cx.aws.secretsmanager().get_secret_value().secret_id(secret).send().await.api("GetSecretValue")?;
            out.secret_string().unwrap_or_default().to_string()
        }
    };
    let raw = raw.as_str();
    secrets::register(raw);
    let password = serde_json::from_str::<serde_json::Value>(raw)
        .ok()
        .and_then(|v| v.get(key)?.as_str().map(str::to_string))
        .ok_or_else(|| ResourceError::Invalid(format!("secret {secret} has no string field `{key}`")))?;
    secrets::register(&password);
    Ok(password)
}

/// A database's password from a secret infra generates must follow the secret's
/// version: else a new password reaches the secret but not the database, and whoever
/// reads the secret is locked out. The line to add, where the secret is the project's.
pub(super) fn check_password_follows(version: Option<&str>, peers: &dyn Peers) -> Vec<Problem> {
    const SECRET: &str = "master_password_secret";
    if version.is_some() {
        return Vec::new();
    }
    let Some(secret) = peers.at(SECRET).filter(|s| s.is::<Secret>("arn") || s.is::<Secret>("id")) else { return Vec::new() };
    if secret.props.get("generate").is_none_or(serde_json::Value::is_null) {
        return Vec::new();
    }
    let (module, name) = secret.address.split_once('.').unwrap_or(("", &secret.address));
    let add = match secret.through.as_deref().and_then(|t| t.split_once('.')) {
        None => format!("add `master_password_version = \"${{resources.{name}.version_id}}\"`"),
        Some((up, output)) if up == module => {
            let out = format!("{}_version", output.strip_suffix("_arn").unwrap_or(output));
            format!(
                "add the output `{out} = \"${{resources.{name}.version_id}}\"` to module {up} and here \
                 `master_password_version = \"${{module.{up}.{out}}}\"`"
            )
        }
        Some(_) => "set `master_password_version` to its `version_id`, passed on the way its ARN is".to_string(),
    };
    vec![(
        SECRET.into(),
        format!(
            "{secret} generates this password anew whenever its `generate` changes: {add}, so the new password \
             reaches the database too (without it the database keeps the old one and whoever reads the secret is locked out)"
        ),
    )]
}

impl Cluster {
    async fn describe(cx: &Ctx<'_>, id: &str) -> Result<Option<DbCluster>, ResourceError> {
        let out = cx
            .aws
            .rds()
            .describe_db_clusters()
            .db_cluster_identifier(id)
            .send()
            .await
            .found("DescribeDBClusters", |e| e.is_db_cluster_not_found_fault())?;
        Ok(out.and_then(|o| o.db_clusters.and_then(|mut c| c.pop())))
    }

    /// `DeleteAutomatedBackups` removes a deleted cluster's automated snapshots, so AWS
    /// lists none afterwards. Emulators (moto) keep them, and their `rds:ID-<minute>`
    /// names then block re-creating the cluster within the same minute; removing any
    /// that are still listed enforces the requested behaviour. Best effort: AWS refuses
    /// to delete automated snapshots it still holds, and that is fine.
    async fn forget_automated_snapshots(cx: &Ctx<'_>, id: &str) {
        let rds = cx.aws.rds();
        let Ok(out) = rds.describe_db_cluster_snapshots().db_cluster_identifier(id).snapshot_type("automated").send().await else {
            return;
        };
        for snap in out.db_cluster_snapshots() {
            if let Some(name) = snap.db_cluster_snapshot_identifier() {
                let _ = rds.delete_db_cluster_snapshot().db_cluster_snapshot_identifier(name).send().await;
            }
        }
    }

    /// The final snapshots `delete` left for this cluster of this environment, newest
    /// first. Another environment's are never used.
    async fn final_snapshots(cx: &Ctx<'_>, id: &str, tags: &Tags) -> Result<Vec<DbClusterSnapshot>, ResourceError> {
        let listed = listed_final_snapshots(cx.aws, Some(id)).await?;
        Ok(listed.into_iter().rev().filter(|s| crate::tags::same_owner(&live_tags(s.tag_list()), tags)).collect())
    }

    /// Create the cluster from `snapshot` (its data, its old master password), then set
    /// the password of the secret this run wired to it and what a restore cannot take.
    async fn restore(cx: &Ctx<'_>, p: &ClusterProps, snapshot: &str) -> Result<DbCluster, ResourceError> {
        let password = master_password(cx, &p.master_password_secret, &p.master_password_key).await?;
        cx.aws
            .rds()
            .restore_db_cluster_from_snapshot()
            .db_cluster_identifier(&p.identifier)
            .snapshot_identifier(snapshot)
            .engine(&p.engine)
            .set_engine_version(p.engine_version.clone())
            .set_db_subnet_group_name(p.subnet_group.clone())
            .set_vpc_security_group_ids(Some(p.security_group_ids.clone()))
            .set_serverless_v2_scaling_configuration(scaling(p))
            .deletion_protection(p.deletion_protection)
            .set_tags(Some(sdk_tags(&p.tags)))
            .send()
            .await
            .api("RestoreDBClusterFromSnapshot")?;
        cx.progress.note(
            cx.address,
            &format!("restored from snapshot {snapshot} (its data kept); the master password set from the current secret"),
        );
        Self::wait_available(cx, &p.identifier).await?;
        cx.aws
            .rds()
            .modify_db_cluster()
            .db_cluster_identifier(&p.identifier)
            .apply_immediately(true)
            .master_user_password(password)
            .backup_retention_period(p.backup_retention_days as i32)
            .enable_http_endpoint(p.enable_http_endpoint)
            .send()
            .await
            .api("ModifyDBCluster")?;
        Self::wait_available(cx, &p.identifier).await
    }

    /// Tag the final snapshot as the cluster was (so a later create finds it as this
    /// environment's), then delete the oldest beyond the number kept.
    async fn keep_final_snapshot(cx: &Ctx<'_>, id: &str, snapshot: &str, p: &ClusterProps) -> Result<(), ResourceError> {
        let rds = cx.aws.rds();
        let out = rds
            .describe_db_cluster_snapshots()
            .db_cluster_snapshot_identifier(snapshot)
            .send()
            .await
            .found("DescribeDBClusterSnapshots", |e| e.is_db_cluster_snapshot_not_found_fault())?;
        let Some(arn) = out.and_then(|o| o.db_cluster_snapshots.and_then(|mut s| s.pop())).and_then(|s| s.db_cluster_snapshot_arn) else {
            return Err(ResourceError::Invalid(format!("the final snapshot {snapshot} of cluster {id} is missing")));
        };
        rds.add_tags_to_resource().resource_name(&arn).set_tags(Some(sdk_tags(&p.tags))).send().await.api("AddTagsToResource")?;
        let kept = usize::try_from(p.final_snapshots_kept).unwrap_or(1).max(1);
        for old in Self::final_snapshots(cx, id, &p.tags).await?.iter().skip(kept) {
            if let Some(name) = old.db_cluster_snapshot_identifier() {
                delete_snapshot(cx.aws, name).await?;
                cx.progress.note(cx.address, &format!("deleted snapshot {name} (more than {kept} kept)"));
            }
        }
        Ok(())
    }

    async fn wait_deleted(cx: &Ctx<'_>, id: &str) -> Result<(), ResourceError> {
        cx.wait_gone(&format!("cluster {id}"), || async { Ok(Self::describe(cx, id).await?.is_some()) }).await
    }

    /// Whether AWS is still deleting a cluster of this identifier: a teardown that was
    /// interrupted leaves it `deleting`, holding the identifier until it is gone.
    async fn deleting(cx: &Ctx<'_>, id: &str) -> Result<bool, ResourceError> {
        Ok(Self::describe(cx, id).await?.is_some_and(|c| c.status() == Some("deleting")))
    }

    /// The final snapshot a delete that was interrupted took: the newest of this cluster,
    /// if no environment claimed it (the tags are added once the cluster is gone). Tagged
    /// now as this environment's, so the next create restores it.
    async fn adopt_final_snapshot(cx: &Ctx<'_>, id: &str, p: &ClusterProps) -> Result<Option<String>, ResourceError> {
        let listed = listed_final_snapshots(cx.aws, Some(id)).await?;
        let unclaimed = listed.last().filter(|s| !live_tags(s.tag_list()).contains_key(crate::tags::STATE));
        let Some(name) = unclaimed.and_then(|s| s.db_cluster_snapshot_identifier()).map(str::to_string) else { return Ok(None) };
        Self::keep_final_snapshot(cx, id, &name, p).await?;
        cx.progress.note(cx.address, &format!("data kept in snapshot {name} (taken by an earlier, interrupted delete)"));
        Ok(Some(name))
    }

    async fn wait_available(cx: &Ctx<'_>, id: &str) -> Result<DbCluster, ResourceError> {
        cx.wait_ready(&format!("cluster {id}"), || async {
            Ok(match Self::describe(cx, id).await? {
                None => Poll::Gone,
                Some(c) if c.status() == Some("available") => Poll::Ready(c),
                Some(c) if matches!(c.status(), Some("failed" | "inaccessible-encryption-credentials")) => {
                    Poll::Failed(c.status().unwrap_or_default().to_string())
                }
                Some(_) => Poll::Pending,
            })
        })
        .await
    }
}

/// The manual snapshots `delete` names `<cluster>-final-<time>`, of one cluster or of
/// all, oldest first (the time in the name sorts).
async fn listed_final_snapshots(aws: &crate::aws::Aws, cluster: Option<&str>) -> Result<Vec<DbClusterSnapshot>, ResourceError> {
    let out = aws
        .rds()
        .describe_db_cluster_snapshots()
        .set_db_cluster_identifier(cluster.map(str::to_string))
        .snapshot_type("manual")
        .send()
        .await
        .api("DescribeDBClusterSnapshots")?;
    let named = |n: &str| match cluster {
        Some(id) => n.strip_prefix(id).is_some_and(|rest| rest.starts_with("-final-")),
        None => n.contains("-final-"),
    };
    let mut snaps: Vec<DbClusterSnapshot> = out
        .db_cluster_snapshots
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.db_cluster_snapshot_identifier().is_some_and(named))
        .collect();
    snaps.sort_by(|a, b| a.db_cluster_snapshot_identifier().cmp(&b.db_cluster_snapshot_identifier()));
    Ok(snaps)
}

/// The final snapshots a state's clusters left behind (tag `infra:state`), oldest first:
/// what `down --all` offers to delete.
pub async fn kept_snapshots(aws: &crate::aws::Aws, lineage: &str) -> Result<Vec<String>, ResourceError> {
    let listed = listed_final_snapshots(aws, None).await?;
    Ok(listed
        .iter()
        .filter(|s| live_tags(s.tag_list()).get(crate::tags::STATE).map(String::as_str) == Some(lineage))
        .filter_map(|s| s.db_cluster_snapshot_identifier().map(str::to_string))
        .collect())
}

pub async fn delete_snapshot(aws: &crate::aws::Aws, name: &str) -> Result<(), ResourceError> {
    aws.rds()
        .delete_db_cluster_snapshot()
        .db_cluster_snapshot_identifier(name)
        .send()
        .await
        .found("DeleteDBClusterSnapshot", |e| e.is_db_cluster_snapshot_not_found_fault())?;
    Ok(())
}

#[async_trait]
impl Resource for Cluster {
    type Props = ClusterProps;
    type Attrs = ClusterAttrs;
    const TYPE: &'static str = "rds.cluster";
    const IDENTITY: Identity = Identity::Named("identifier");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.credentials]
type = "secretsmanager.secret"
name = "conformance-cluster-credentials"
recovery_window_days = 0
generate = { username = "dbadmin" }

[resources.example]
type = "rds.cluster"
identifier = "conformance-cluster"
engine = "aurora-postgresql"
engine_version = "15.12"
database_name = "app"
master_username = "dbadmin"
master_password_secret = "${resources.credentials.arn}"
master_password_version = "${resources.credentials.version_id}"
serverless_v2 = { min_capacity = 0.5, max_capacity = 1.0 }
skip_final_snapshot = true
"#,
        updates: &["serverless_v2 = { min_capacity = 0.5, max_capacity = 2.0 }", "backup_retention_days = 7"],
        replace: Some("database_name = \"other\""),
        skip: &[],
    };

    fn early(&self, p: &ClusterProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = format!("arn:{}:rds:{}:{}:cluster:{}", at.partition, at.region, at.account_id, p.identifier);
        vec![("id", p.identifier.clone()), ("identifier", p.identifier.clone()), ("arn", arn)]
    }

    const CHECK_READS: &'static [&'static str] = &["serverless_v2", "master_password_version"];

    fn check(&self, p: &ClusterProps) -> Vec<Problem> {
        match &p.serverless_v2 {
            Some(s) if s.min_capacity > s.max_capacity => {
                vec![("serverless_v2".into(), format!("min_capacity {} is above max_capacity {}", s.min_capacity, s.max_capacity))]
            }
            _ => Vec::new(),
        }
    }

    fn check_peers(&self, p: &ClusterProps, peers: &dyn Peers) -> Vec<Problem> {
        check_password_follows(p.master_password_version.as_deref(), peers)
    }

    async fn settle(&self, cx: &Ctx<'_>, id: &str, _p: &ClusterProps) -> Result<(), ResourceError> {
        Self::wait_available(cx, id).await.map(|_| ())
    }

    fn prepare(&self, p: &mut ClusterProps, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        p.security_group_ids.sort();
        Ok(())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ClusterProps) -> Result<Created<ClusterAttrs>, ResourceError> {
        // An interrupted teardown can leave the cluster `deleting`: the identifier is free,
        // and its final snapshot there to restore, only once it is gone.
        if Self::deleting(cx, &p.identifier).await? {
            Self::wait_deleted(cx, &p.identifier).await?;
            Self::adopt_final_snapshot(cx, &p.identifier, p).await?;
        }
        if p.restore_from_final_snapshot {
            if let Some(name) =
                Self::final_snapshots(cx, &p.identifier, &p.tags).await?.first().and_then(|s| s.db_cluster_snapshot_identifier())
            {
                let cluster = Self::restore(cx, p, name).await?;
                return Ok(Created::new(&p.identifier, attrs(&cluster)));
            }
        }
        let password = master_password(cx, &p.master_password_secret, &p.master_password_key).await?;
        cx.aws
            .rds()
            .create_db_cluster()
            .db_cluster_identifier(&p.identifier)
            .engine(&p.engine)
            .set_engine_version(p.engine_version.clone())
            .set_database_name(p.database_name.clone())
            .master_username(&p.master_username)
            .master_user_password(password)
            .set_db_subnet_group_name(p.subnet_group.clone())
            .set_vpc_security_group_ids(Some(p.security_group_ids.clone()))
            .set_serverless_v2_scaling_configuration(scaling(p))
            .enable_http_endpoint(p.enable_http_endpoint)
            .backup_retention_period(p.backup_retention_days as i32)
            .deletion_protection(p.deletion_protection)
            .storage_encrypted(p.storage_encrypted)
            .set_tags(Some(sdk_tags(&p.tags)))
            .send()
            .await
            .api("CreateDBCluster")?;
        let cluster = Self::wait_available(cx, &p.identifier).await?;
        Ok(Created::new(&p.identifier, attrs(&cluster)))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &ClusterProps) -> Result<Option<Observed<ClusterProps, ClusterAttrs>>, ResourceError> {
        let Some(c) = Self::describe(cx, id).await? else { return Ok(None) };
        if matches!(c.status(), Some("deleting")) {
            return Ok(None);
        }
        let mut security_group_ids: Vec<String> =
            c.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id().map(str::to_string)).collect();
        security_group_ids.sort();
        let props = ClusterProps {
            identifier: id.to_string(),
            engine: c.engine().unwrap_or(&p.engine).to_string(),
            // Left unset, AWS picks a version and a subnet group: only a chosen one is compared.
            engine_version: p.engine_version.as_ref().and(c.engine_version()).map(str::to_string),
            database_name: c.database_name().map(str::to_string).or_else(|| p.database_name.clone()),
            master_username: c.master_username().unwrap_or(&p.master_username).to_string(),
            subnet_group: p.subnet_group.as_ref().and(c.db_subnet_group()).map(str::to_string),
            security_group_ids,
            serverless_v2: c.serverless_v2_scaling_configuration().map(|s| {
                let min_capacity = s.min_capacity().unwrap_or_default();
                let wanted = p.serverless_v2.as_ref().and_then(|w| w.seconds_until_auto_pause);
                Scaling {
                    min_capacity,
                    max_capacity: s.max_capacity().unwrap_or_default(),
                    // Compared at 0 ACU only; otherwise what the manifest says stands.
                    seconds_until_auto_pause: if min_capacity == 0.0 { s.seconds_until_auto_pause().map(i64::from) } else { wanted },
                }
            }),
            // `false` is not trusted: moto (and Serverless v1 rules it models) report the
            // Data API off for Serverless v2 even when it was requested at creation.
            enable_http_endpoint: c.http_endpoint_enabled().unwrap_or(false) || p.enable_http_endpoint,
            backup_retention_days: c.backup_retention_period().map(i64::from).unwrap_or(p.backup_retention_days),
            deletion_protection: c.deletion_protection().unwrap_or(p.deletion_protection),
            storage_encrypted: c.storage_encrypted().unwrap_or(p.storage_encrypted),
            tags: live_tags(c.tag_list()),
            ..p.clone()
        };
        Ok(Some(Observed { props, attrs: attrs(&c) }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &ClusterProps, new: &ClusterProps) -> Result<Option<ClusterAttrs>, ResourceError> {
        if old.tags != new.tags {
            let arn = Self::describe(cx, id).await?.and_then(|c| c.db_cluster_arn).unwrap_or_default();
            sync_tags(cx, &arn, &old.tags, &new.tags).await?;
        }
        // What happens at delete and create (snapshots) is infra's, not the cluster's: recorded only.
        let unchanged = ClusterProps {
            tags: new.tags.clone(),
            skip_final_snapshot: new.skip_final_snapshot,
            restore_from_final_snapshot: new.restore_from_final_snapshot,
            final_snapshots_kept: new.final_snapshots_kept,
            ..old.clone()
        };
        if &unchanged == new {
            return Ok(None);
        }
        let mut req = cx.aws.rds().modify_db_cluster().db_cluster_identifier(id).apply_immediately(true);
        if old.engine_version != new.engine_version {
            req = req.set_engine_version(new.engine_version.clone()).allow_major_version_upgrade(true);
        }
        if password_changed(
            (&old.master_password_secret, &old.master_password_key, &old.master_password_version),
            (&new.master_password_secret, &new.master_password_key, &new.master_password_version),
        ) {
            req = req.master_user_password(master_password(cx, &new.master_password_secret, &new.master_password_key).await?);
        }
        if old.security_group_ids != new.security_group_ids {
            req = req.set_vpc_security_group_ids(Some(new.security_group_ids.clone()));
        }
        if old.serverless_v2 != new.serverless_v2 {
            req = req.set_serverless_v2_scaling_configuration(scaling(new));
        }
        if old.backup_retention_days != new.backup_retention_days {
            req = req.backup_retention_period(new.backup_retention_days as i32);
        }
        if old.deletion_protection != new.deletion_protection {
            req = req.deletion_protection(new.deletion_protection);
        }
        req.send().await.api("ModifyDBCluster")?;
        if old.enable_http_endpoint != new.enable_http_endpoint {
            let arn = Self::describe(cx, id).await?.and_then(|c| c.db_cluster_arn).unwrap_or_default();
            if new.enable_http_endpoint {
                cx.aws.rds().enable_http_endpoint().resource_arn(&arn).send().await.api("EnableHttpEndpoint")?;
            } else {
                cx.aws.rds().disable_http_endpoint().resource_arn(&arn).send().await.api("DisableHttpEndpoint")?;
            }
        }
        let cluster = Self::wait_available(cx, id).await?;
        Ok(Some(attrs(&cluster)))
    }

    /// The cluster's databases, and whether `delete` keeps them in a final snapshot.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut ids = Vec::new();
        let mut marker = None;
        loop {
            let page = cx.aws.rds().describe_db_clusters().set_marker(marker).send().await.api("DescribeDBClusters")?;
            ids.extend(page.db_clusters().iter().filter_map(|c| c.db_cluster_identifier().map(str::to_string)));
            marker = page.marker().filter(|m| !m.is_empty()).map(str::to_string);
            if marker.is_none() {
                return Ok(ids);
            }
        }
    }

    async fn contents(&self, cx: &Ctx<'_>, id: &str, p: &ClusterProps) -> Result<Option<Contents>, ResourceError> {
        let Some(cluster) = Self::describe(cx, id).await? else { return Ok(None) };
        let engine = cluster.engine().unwrap_or(&p.engine);
        let held = match cluster.database_name().or(p.database_name.as_deref()) {
            Some(db) => format!("the {engine} database `{db}` and any others in the cluster"),
            None => format!("the cluster's {engine} databases"),
        };
        let kept = (!p.skip_final_snapshot).then(|| {
            format!(
                "kept in a final snapshot {id}-final-<time> (the newest {} kept; the next create restores it)",
                p.final_snapshots_kept.max(1)
            )
        });
        Ok(Some(Contents { held, kept }))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &ClusterProps) -> Result<(), ResourceError> {
        let mut req = cx.aws.rds().delete_db_cluster().db_cluster_identifier(id).delete_automated_backups(true);
        let snapshot = (!p.skip_final_snapshot).then(|| {
            let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
            let stamp: String = stamp.chars().filter(char::is_ascii_alphanumeric).collect();
            format!("{id}-final-{}", stamp.to_lowercase())
        });
        req = match &snapshot {
            None => req.skip_final_snapshot(true),
            Some(name) => req.final_db_snapshot_identifier(name),
        };
        if let Err(e) = req.send().await {
            if e.as_service_error().is_some_and(|e| e.is_db_cluster_not_found_fault()) {
                return Ok(());
            }
            // Already being deleted, by a run that was interrupted: its delete and its
            // final snapshot stand.
            if !(e.as_service_error().is_some_and(|e| e.is_invalid_db_cluster_state_fault()) && Self::deleting(cx, id).await?) {
                return Err(AwsError::new("DeleteDBCluster", e).into());
            }
            Self::wait_deleted(cx, id).await?;
            Self::forget_automated_snapshots(cx, id).await;
            Self::adopt_final_snapshot(cx, id, p).await?;
            return Ok(());
        }
        Self::wait_deleted(cx, id).await?;
        Self::forget_automated_snapshots(cx, id).await;
        if let Some(name) = &snapshot {
            Self::keep_final_snapshot(cx, id, name, p).await?;
            cx.progress.note(cx.address, &format!("data kept in snapshot {name}; the next create restores it"));
        }
        Ok(())
    }
}
