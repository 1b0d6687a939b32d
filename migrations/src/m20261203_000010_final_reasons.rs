//! Reasons the desk could not give (issue 23): a case could be rejected for good only for
//! identity doubt or a duplicate, and "其他" was a retry reason, so a cancelled licence or a
//! forged document could not be rejected. Adds the final grounds, a final "other" that needs a
//! comment like the retry one, and the retry reasons for a wrong seal or company name that the
//! checks warn about. Existing rows (an admin may have edited them) are left as they are.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (code, applicant text, kind, sort order)
const REASONS: &[(&str, &str, &str, i32)] = &[
    ("seal.not_company", "所盖印章不是本单位公章，请加盖本单位公章", "retry", 75),
    ("seal.contract", "所盖印章为合同专用章等专用章，请加盖本单位公章", "retry", 76),
    ("application.name_mismatch", "材料上的单位名称与填写的单位名称不一致，请核对后重新上传", "retry", 135),
    ("application.licence_revoked", "营业执照已注销或被吊销，本申请终止", "final", 152),
    ("application.forged", "材料存在伪造或变造，本申请终止", "final", 154),
    ("application.other", "其他原因，本申请终止（见审核意见）", "final", 175),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut insert = Query::insert()
            .into_table("rejection_reasons")
            .columns(["code", "text_zh", "kind", "sort_order"])
            .on_conflict(OnConflict::column("code").do_nothing().to_owned())
            .take();
        for (code, text, kind, order) in REASONS {
            insert.values_panic([(*code).into(), (*text).into(), (*kind).into(), (*order).into()]);
        }
        m.exec_stmt(insert).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let codes: Vec<&str> = REASONS.iter().map(|r| r.0).collect();
        m.exec_stmt(
            Query::delete().from_table("rejection_reasons").and_where(Expr::col("code").is_in(codes)).take(),
        )
        .await
    }
}
