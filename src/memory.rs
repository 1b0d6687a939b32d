//! The process's budget for decoding images: one semaphore of mebibytes that every path which
//! decodes an upload shares (the intake inspection, the page checks, staff TIFF viewing). Each
//! reserves what its image will take, read from the header before a pixel is decoded, and waits
//! when the budget is spent: eight large uploads at once take turns instead of eight times the
//! memory. A single image costing more than the whole budget takes all of it and runs alone
//! (`checks.max_decoded_bytes` refuses anything far larger).

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::pipeline::PipelineConfig;

const MIB: u64 = 1 << 20;

/// Bytes per pixel the page checks keep beside the decoded image (luma, colour marks, the
/// quarter-size copies and masks; measured at about 3 per pixel by `cargo bench --bench checks`).
pub const CHECKS_BYTES_PER_PIXEL: u64 = 4;

#[derive(Clone)]
pub struct MemoryBudget {
    permits: Arc<Semaphore>,
    total_mib: u32,
}

impl MemoryBudget {
    pub fn new(total_mib: u32) -> Self {
        let total_mib = total_mib.max(1);
        Self { permits: Arc::new(Semaphore::new(total_mib as usize)), total_mib }
    }

    /// Waits until `bytes` of the budget are free and holds them until the permit is dropped.
    /// Fails only if the semaphore were closed, which nothing does.
    pub async fn reserve(&self, bytes: u64) -> Result<OwnedSemaphorePermit, tokio::sync::AcquireError> {
        let mib = bytes.div_ceil(MIB).clamp(1, u64::from(self.total_mib)) as u32;
        self.permits.clone().acquire_many_owned(mib).await
    }

    /// What holding the file, decoding it and keeping `per_pixel` more bytes per pixel beside
    /// it will take.
    pub fn cost(bytes: &[u8], cfg: &PipelineConfig, per_pixel: u64) -> u64 {
        let file = bytes.len() as u64;
        crate::pipeline::decode::memory_cost(bytes, cfg).map_or(file.max(MIB), |(decode, pixels)| {
            file.saturating_add(decode).saturating_add(pixels.saturating_mul(per_pixel))
        })
    }

    /// Mebibytes free now (for tests and `/healthz`).
    pub fn available_mib(&self) -> usize {
        self.permits.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reservations_wait_for_the_budget_and_an_oversized_one_runs_alone() {
        let budget = MemoryBudget::new(100);
        let a = budget.reserve(60 * MIB).await.unwrap();
        assert_eq!(budget.available_mib(), 40);
        let waiting =
            tokio::time::timeout(std::time::Duration::from_millis(50), budget.reserve(50 * MIB)).await;
        assert!(waiting.is_err(), "50 MiB more waits while only 40 are free");
        drop(a);
        let huge = budget.reserve(10_000 * MIB).await.unwrap();
        assert_eq!(budget.available_mib(), 0, "more than the budget takes all of it");
        drop(huge);
        assert_eq!(budget.available_mib(), 100);
    }
}
