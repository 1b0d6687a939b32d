//! Seeds the rejection-reason catalogue (docs/domain.md). Admins edit it later; codes are stable.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (code, applicant text, kind, applies to a document kind or any)
const REASONS: &[(&str, &str, &str, Option<&str>)] = &[
    ("image.blurry", "图片模糊，请重新扫描或拍摄清晰的图片", "retry", None),
    ("image.skewed", "图片不方正，请将材料放正后重新扫描", "retry", None),
    ("image.dark", "图片过暗，请在光线充足处重新拍摄", "retry", None),
    ("image.low_resolution", "分辨率过低，请以不低于200dpi扫描", "retry", None),
    ("image.incomplete", "图片不完整，请拍全材料的四边", "retry", None),
    ("image.grayscale", "请彩色扫描，印章须清晰可见为红色", "retry", None),
    ("seal.missing", "未加盖公章", "retry", None),
    ("seal.unclear", "印章不清晰或不完整", "retry", None),
    ("seal.touches_line", "印章压线，请在方框内居中盖章", "retry", Some("seal_sample")),
    ("seal.count", "印章取样不足两处", "retry", Some("seal_sample")),
    ("signature.missing", "经办人未签字", "retry", None),
    ("number.mismatch", "证件号码与填写信息不一致", "retry", None),
    ("number.unreadable", "证件号码无法辨认", "retry", None),
    ("document.wrong_type", "上传材料与要求不符", "retry", None),
    ("document.expired", "证件已过期", "retry", None),
    ("application.identity_doubt", "身份信息存疑，申请终止，请到现场办理", "final", None),
    ("application.duplicate", "重复申请，本申请终止", "final", None),
    ("other", "其他（见审核意见）", "retry", None),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut insert = Query::insert()
            .into_table("rejection_reasons")
            .columns(["code", "text_zh", "kind", "applies_to", "sort_order"])
            .take();
        for (i, (code, text, kind, applies)) in REASONS.iter().enumerate() {
            insert.values_panic([
                (*code).into(),
                (*text).into(),
                (*kind).into(),
                applies.map(|s| s.to_string()).into(),
                (i as i32 * 10).into(),
            ]);
        }
        m.exec_stmt(insert).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.exec_stmt(Query::delete().from_table("rejection_reasons").take()).await
    }
}
